extension Array where Element == Int {
    /// The number of values a tensor of this shape holds, or nil when the product does not
    /// fit in an `Int`. Size checks on shapes a user wrote (`zeros([10⁹, 10⁹, 10⁹])`, a
    /// model's input shape, a reshape target) compare this with their limit: multiplying
    /// with `*` would stop the program on the overflow instead of reporting it.
    public var checkedElementCount: Int? {
        var count = 1
        for d in self {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
