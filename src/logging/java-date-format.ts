/** Formats a date with a java.text.SimpleDateFormat pattern (the letters SYSTEM_DATE users write). */
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function offset(d: Date, colon: boolean, zForZero: boolean): string {
  const m = -d.getTimezoneOffset();
  if (m === 0 && zForZero) return 'Z';
  const s = m >= 0 ? '+' : '-';
  const a = Math.abs(m);
  return s + pad(Math.floor(a / 60), 2) + (colon ? ':' : '') + pad(a % 60, 2);
}

export function formatJavaDate(d: Date, pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      const e = pattern.indexOf("'", i + 1);
      if (e === i + 1) {
        out += "'";
        i += 2;
        continue;
      }
      out += pattern.slice(i + 1, e < 0 ? undefined : e);
      i = e < 0 ? pattern.length : e + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      out += c;
      i++;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    i += n;
    switch (c) {
      case 'y':
        out += n === 2 ? pad(d.getFullYear() % 100, 2) : pad(d.getFullYear(), n);
        break;
      case 'M':
        out += n >= 4 ? MONTHS[d.getMonth()] : n === 3 ? MONTHS[d.getMonth()]!.slice(0, 3) : pad(d.getMonth() + 1, n);
        break;
      case 'd':
        out += pad(d.getDate(), n);
        break;
      case 'H':
        out += pad(d.getHours(), n);
        break;
      case 'h':
        out += pad(d.getHours() % 12 || 12, n);
        break;
      case 'm':
        out += pad(d.getMinutes(), n);
        break;
      case 's':
        out += pad(d.getSeconds(), n);
        break;
      case 'S':
        out += pad(d.getMilliseconds(), 3).slice(0, Math.max(n, 3));
        break;
      case 'E':
        out += n >= 4 ? DAYS[d.getDay()] : DAYS[d.getDay()]!.slice(0, 3);
        break;
      case 'a':
        out += d.getHours() < 12 ? 'AM' : 'PM';
        break;
      case 'Z':
        out += offset(d, false, false);
        break;
      case 'X':
        out += n === 1 ? offset(d, false, true).slice(0, 3) : offset(d, n >= 3, true);
        break;
      case 'z':
        out += 'GMT' + offset(d, true, false);
        break;
      default:
        out += c.repeat(n);
    }
  }
  return out;
}
