import Foundation

/// The Mann-Whitney-Wilcoxon statistic per feature (the "ROC" feature selection of thesis
/// Sec. 7.4.1) and top-K selection.
public enum RankStatistics {
    /// Ranks 1…n of `values` with ties given their average rank.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var r = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let average = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = average }
            i = j + 1
        }
        return r
    }

    /// The Mann-Whitney U statistic of the positive class (label 1) against the rest, for one
    /// feature: U₁ = R₁ − n₁(n₁+1)/2 with R₁ the sum of the positives' ranks; U₁ counts the
    /// pairs (positive, negative) where the positive is larger, ties counting ½.
    public static func mannWhitneyU(_ values: [Double], positive: [Bool]) -> Double {
        let r = ranks(values)
        var sum = 0.0, n1 = 0.0
        for (rank, p) in zip(r, positive) where p { sum += rank; n1 += 1 }
        return sum - n1 * (n1 + 1) / 2
    }

    /// U₁/(n₀·n₁) for every column of x [n, d]: the area under the ROC curve of each feature
    /// alone (0.5: no information; 0 or 1: the feature separates the classes).
    /// Rows whose label is not 0 or 1 are ignored. NaN when a class is missing.
    public static func areaUnderCurve(x: [Double], rows: Int, columns: Int, labels: [Int]) -> [Double] {
        let keep = (0..<rows).filter { labels[$0] == 0 || labels[$0] == 1 }
        let positive = keep.map { labels[$0] == 1 }
        let n1 = Double(positive.filter { $0 }.count), n0 = Double(keep.count) - n1
        guard n0 > 0 && n1 > 0 else { return [Double](repeating: .nan, count: columns) }
        var column = [Double](repeating: 0, count: keep.count)
        return (0..<columns).map { j in
            for (i, r) in keep.enumerated() { column[i] = x[r * columns + j] }
            // A NaN has no rank: the AUC is NaN (SciPy's nan_policy "propagate"), not 0 or 1.
            if column.contains(where: \.isNaN) { return .nan }
            return mannWhitneyU(column, positive: positive) / (n0 * n1)
        }
    }

    /// The indices of the k largest values, largest first (ties: the smaller index first;
    /// NaN counts as smallest).
    public static func topK(_ values: [Double], _ k: Int) -> [Int] {
        func key(_ i: Int) -> Double { values[i].isNaN ? -.infinity : values[i] }
        return Array(values.indices.sorted { key($0) != key($1) ? key($0) > key($1) : $0 < $1 }.prefix(k))
    }
}

/// Order statistics of small samples (medians and interquartile ranges of repeated runs).
public enum SampleStatistics {
    /// The q-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics
    /// (NumPy's default, "type 7"). NaN for an empty sample.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        // A NaN makes the quantile NaN (as NumPy): sorting put it wherever its comparisons
        // left it, so median([nan, 1, 3]) was 1 but median([1, nan, 3]) nan.
        guard !values.isEmpty, !values.contains(where: \.isNaN) else { return .nan }
        let sorted = values.sorted()
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        let fraction = h - Double(lo)
        return fraction == 0 ? sorted[lo] : sorted[lo] + fraction * (sorted[hi] - sorted[lo])   // 0·∞ would be NaN
    }

    public static func median(_ values: [Double]) -> Double { quantile(values, 0.5) }

    /// The interquartile range q(0.75) − q(0.25).
    public static func interquartileRange(_ values: [Double]) -> Double { quantile(values, 0.75) - quantile(values, 0.25) }

    /// The majority of `values` within each group, groups in order of first appearance
    /// (ties: the smallest value). Returns the group ids and their majorities.
    public static func groupMajority(_ values: [Int], groups: [Int]) -> (groups: [Int], majority: [Int]) {
        var order: [Int] = [], members: [Int: [Int]] = [:]
        for (v, g) in zip(values, groups) {
            if members[g] == nil { order.append(g) }
            members[g, default: []].append(v)
        }
        return (order, order.map { Metrics.majority(members[$0]!)! })
    }
}
