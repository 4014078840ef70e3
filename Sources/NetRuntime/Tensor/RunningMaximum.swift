extension FloatingPoint {
    /// Whether `self` takes the place of `current` in a running maximum or arg-max that
    /// propagates NaN, as PyTorch's amax/argmax and NumPy's max/argmax do: when it is larger,
    /// or is the first NaN (a NaN, once held, stays). `x > current` alone skips NaNs, which
    /// makes a reconstruction error, a residual or a prediction look finite when it is not.
    @inlinable @inline(__always)
    public func replacesMaximum(_ current: Self) -> Bool {
        !current.isNaN && (self > current || isNaN)
    }
}
