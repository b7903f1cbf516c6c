// Node-RED settings for the benchmark's nodered group (bench/groups/nodered.ts copies this into a temporary
// user directory): the HTTP nodes on the port in env NODERED_PORT, no editor or admin API, warnings only.
module.exports = {
  uiPort: Number(process.env.NODERED_PORT || 1880),
  uiHost: '127.0.0.1',
  httpAdminRoot: false,
  httpNodeRoot: '/',
  flowFile: 'flows.json',
  credentialSecret: false,
  logging: { console: { level: 'warn', metrics: false, audit: false } },
  externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
  diagnostics: { enabled: false, ui: false },
  telemetry: { enabled: false },
  runtimeState: { enabled: false, ui: false },
};
