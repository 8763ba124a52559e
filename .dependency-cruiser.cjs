/**
 * The folder layers of src/, bottom first. A folder may import only from folders on lower layers
 * (folders on one layer are peers and never import each other), and no file may take part in an
 * import cycle. Every folder under src/ must be listed here, so a new folder gets a deliberate place.
 * The README's architecture section draws the same order.
 */
const LAYERS = [
  ["core"],
  ["util"],
  ["graph", "weights", "tasks", "hub"],
  ["tokenize"],
  ["models"],
  ["runtime"],
  ["gguf"],
  ["embed"],
  ["store", "train"],
  ["lexical"],
  ["bench"],
  ["curate", "data"],
  ["mine"],
  ["care"],
  ["serve", "adapters"],
  ["cli"],
  ["entry"],
];

const layerRules = LAYERS.flatMap((layer, rank) => {
  const notBelow = LAYERS.slice(rank).flat();
  return layer.map((folder) => ({
    name: `layer-${folder}`,
    comment: `src/${folder} may import only from the layers below it`,
    severity: "error",
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${notBelow.filter((f) => f !== folder).join("|")})/` },
  }));
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no file takes part in an import cycle",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "node_modules" },
  },
};
