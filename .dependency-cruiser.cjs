/**
 * The import rules of src/, checked by `npm test` (and so by CI): no import circle, type-only imports
 * included, and arrows that point down the layers only (README: Design). A rule broken here names the
 * file and the import; move the shared piece down instead of importing up.
 */
const LOW = '^src/(errors\\.ts|xml/|config/|logging/|context/)';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'an import circle (type-only imports count too)', from: {}, to: { circular: true } },
    {
      name: 'message-context-depends-on-nothing-above',
      severity: 'error',
      comment: 'errors, xml, config, logging and context are the bottom layers: they import no mediator, endpoint, artifact, engine, handler loader, transport or runtime',
      from: { path: LOW },
      to: { path: '^src/(engine|mediators|endpoints|artifacts|handlers|api|expr|management|cli|store|transactions|security/(policies|ws-security))/|^src/(runtime|main|index)\\.ts$' },
    },
    {
      name: 'only-the-edge-runs-exchanges',
      severity: 'error',
      comment: 'the engine (dispatch, exchange) is driven by the listeners and the bootstrap only; mediators ask through mc.exchange',
      from: { path: '^src/', pathNot: '^src/(engine|transport|main\\.ts|cli/|index\\.ts)' },
      to: { path: '^src/engine/' },
    },
    {
      name: 'runtime-is-above-what-it-deploys',
      severity: 'error',
      comment: 'mediators, endpoints, expressions, handlers and policies reach the runtime through mc.runtime (context/message-runtime.ts), never by import',
      from: { path: '^src/(xml|config|logging|context|expr|mediators|endpoints|handlers|api|security|store)/' },
      to: { path: '^src/runtime\\.ts$' },
    },
    {
      name: 'listeners-and-tools-at-the-top',
      severity: 'error',
      comment: 'transport, management API and CLI use everything; nothing below uses them (the [transport.http] settings reader is read with the configuration)',
      from: { path: '^src/', pathNot: '^src/(transport|management|cli)/|^src/(main|index)\\.ts$' },
      to: { path: '^src/(transport|management|cli)/', pathNot: '^src/transport/listener-config\\.ts$' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
