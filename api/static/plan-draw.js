// Drawing on the map with terra-draw (vendored): a box or a lasso selects buildings, a
// line splits a grid. `drawing(map, then)` calls `then(mode, geometry)` when a shape is
// finished, and clears it; `use(mode)` switches ("click" stops drawing).
export function drawing(map, then) {
  const { TerraDraw, TerraDrawRectangleMode, TerraDrawFreehandMode, TerraDrawLineStringMode } = terraDraw;
  const draw = new TerraDraw({
    adapter: new terraDrawMaplibreGlAdapter.TerraDrawMapLibreGLAdapter({ map }),
    modes: [new TerraDrawRectangleMode(), new TerraDrawFreehandMode(), new TerraDrawLineStringMode()],
  });
  draw.start();
  let mode = "click";
  draw.on("finish", (id) => {
    const feature = draw.getSnapshotFeature(id);
    if (!feature) return;
    const used = mode;
    setTimeout(() => { draw.clear(); then(used, feature.geometry); }, 0);
  });
  return {
    use(next) {
      mode = next;
      draw.setMode(next === "click" ? "static" : next);
    },
  };
}
