/// Pictures as PNG that are not charts: a grid of small grey-scale images (digits,
/// `ImageGrid.swift`), optionally under a title line (`PictureTitle.swift`). Densities and
/// scatters of R² are charts with axes (`DensityPicture`, `ScatterPicture`).
public enum Pictures {}
