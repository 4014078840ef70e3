/// The viridis colour map (perceptually uniform), sampled at 9 points and interpolated.
public enum Colormap {
    static let viridis: [(Double, Double, Double)] = [
        (0.267, 0.005, 0.329), (0.283, 0.141, 0.458), (0.254, 0.265, 0.530), (0.207, 0.372, 0.553),
        (0.164, 0.471, 0.558), (0.128, 0.567, 0.551), (0.135, 0.659, 0.518), (0.267, 0.749, 0.441),
        (0.478, 0.821, 0.318), (0.741, 0.873, 0.150), (0.993, 0.906, 0.144),
    ]

    /// The colour of t ∈ [0, 1] (clamped).
    public static func color(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let u = t.isFinite ? min(max(t, 0), 1) : 0
        let x = u * Double(viridis.count - 1)
        let i = min(Int(x), viridis.count - 2), f = x - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        func c(_ p: Double, _ q: Double) -> UInt8 { UInt8(max(0, min(255, (p + (q - p) * f) * 255))) }
        return (c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    }
}
