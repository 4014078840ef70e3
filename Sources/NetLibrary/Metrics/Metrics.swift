import NetRuntime

/// Classification metrics on predictions [N, C] (scores or logits) and labels [N].
public enum Metrics {
    /// The index of the largest score per row; a NaN counts as the largest (the first
    /// NaN's index), as in NumPy's and PyTorch's argmax.
    public static func predictedClasses(_ scores: Tensor<Double>) -> [Int] {
        let n = scores.shape[0], c = scores.count / max(n, 1)
        return (0..<n).map { i in
            let row = scores.scalars[(i * c)..<((i + 1) * c)]
            var best = row.startIndex
            for j in row.indices.dropFirst() where row[j].replacesMaximum(row[best]) { best = j }
            return best - row.startIndex
        }
    }

    /// The fraction of rows whose largest score is at the label; NaN when any score is NaN,
    /// so a model that computes NaNs never shows an accuracy.
    public static func accuracy(_ scores: Tensor<Double>, _ labels: Tensor<Double>) -> Double {
        let predicted = predictedClasses(scores)
        guard !predicted.isEmpty, !scores.scalars.contains(where: \.isNaN) else { return .nan }
        return Double(zip(predicted, labels.scalars).filter { $1.isFinite && Double($0) == $1 }.count) / Double(predicted.count)
    }

    /// The mean over classes of the per-class recall (robust to unbalanced classes; the
    /// measure of chapter 7). Classes absent from the labels are skipped.
    public static func balancedAccuracy(predicted: [Int], labels: [Int]) -> Double {
        var hits: [Int: Int] = [:], totals: [Int: Int] = [:]
        for (p, l) in zip(predicted, labels) {
            totals[l, default: 0] += 1
            if p == l { hits[l, default: 0] += 1 }
        }
        guard !totals.isEmpty else { return .nan }
        return totals.keys.map { Double(hits[$0] ?? 0) / Double(totals[$0]!) }.reduce(0, +) / Double(totals.count)
    }

    /// The class most frequent in `votes` (ties: the smallest class), for per-core majority votes.
    public static func majority(_ votes: [Int]) -> Int? {
        var counts: [Int: Int] = [:]
        for v in votes { counts[v, default: 0] += 1 }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }
}
