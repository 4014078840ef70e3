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

    /// Whether a tensor of this shape holds more than `limit` values (true when the count
    /// does not fit in an Int).
    public func holdsMoreValues(than limit: Int) -> Bool { checkedElementCount.map { $0 > limit } ?? true }

    /// The count for a diagnostic: the number, or "too many" when it does not fit in an Int.
    public var elementCountDescription: String { checkedElementCount.map(String.init) ?? "too many" }
}
