// Index splits for evaluation: hold-out, k-fold and grouped k-fold. They return index
// arrays rather than copies of the data so one data set tensor can serve every fold.
// Grouped folds matter for the mass-spectra experiments (thesis ch. 7): spectra of the
// same sample must never sit on both sides of a split, or test accuracy is inflated.

/// A partition of row indices into a training part and a test part.
public struct Split: Sendable, Equatable {
    /// Indices of the training rows.
    public var train: [Int]
    /// Indices of the test rows.
    public var test: [Int]

    /// A split from its two index lists.
    public init(train: [Int], test: [Int]) {
        self.train = train
        self.test = test
    }
}

/// A random hold-out split of 0..<count: `round(count · testFraction)` indices go to the
/// test part, the rest to training, both in the shuffled order given by `seed`
/// (the same seed always gives the same split).
/// Throws `DataError.invalidArgument` for a negative count or a fraction outside [0, 1].
public func trainTestSplit(count: Int, testFraction: Double, seed: UInt64) throws -> Split {
    guard count >= 0 else { throw DataError.invalidArgument(message: "trainTestSplit: count \(count) is negative") }
    guard testFraction >= 0 && testFraction <= 1 else {
        throw DataError.invalidArgument(message: "trainTestSplit: test fraction \(testFraction) is not in [0, 1]")
    }
    var rng = RandomGenerator(seed: seed)
    let order = rng.permutation(count)
    let testCount = min(count, Int((Double(count) * testFraction).rounded()))
    return Split(train: Array(order[testCount...]), test: Array(order[..<testCount]))
}

/// k-fold cross-validation splits of 0..<count, shuffled by `seed`: the test parts are
/// disjoint, cover every index exactly once and differ in size by at most one; each
/// fold's training part is the complement of its test part. Indices within a part are
/// sorted. Throws `DataError.invalidArgument` unless 2 ≤ k ≤ count.
public func kFold(count: Int, k: Int, seed: UInt64) throws -> [Split] {
    guard k >= 2 else { throw DataError.invalidArgument(message: "kFold: k = \(k), need at least 2 folds") }
    guard count >= k else { throw DataError.invalidArgument(message: "kFold: cannot make \(k) folds of \(count) items") }
    var rng = RandomGenerator(seed: seed)
    let order = rng.permutation(count)
    var folds: [Split] = []
    var start = 0
    for f in 0..<k {
        let size = count / k + (f < count % k ? 1 : 0)
        let test = order[start..<(start + size)].sorted()
        let train = (order[..<start] + order[(start + size)...]).sorted()
        folds.append(Split(train: train, test: test))
        start += size
    }
    return folds
}

/// k-fold splits that keep groups intact: `groups[i]` is the group of row i, and every
/// group lies entirely in one fold's test part (so never on both sides of any split).
/// Deterministic: groups are taken largest first (ties by group id) and each goes to
/// the fold with the fewest rows so far, which balances fold sizes.
/// Throws `DataError.invalidArgument` unless k ≥ 2 and there are at least k groups.
public func groupedKFold(groups: [Int], k: Int) throws -> [Split] {
    guard k >= 2 else { throw DataError.invalidArgument(message: "groupedKFold: k = \(k), need at least 2 folds") }
    var members: [Int: [Int]] = [:]
    for (i, g) in groups.enumerated() { members[g, default: []].append(i) }
    guard members.count >= k else {
        throw DataError.invalidArgument(message: "groupedKFold: cannot make \(k) folds of \(members.count) groups")
    }
    let ordered = members.keys.sorted { a, b in
        let (na, nb) = (members[a]!.count, members[b]!.count)
        return na != nb ? na > nb : a < b
    }
    var foldOf = [Int: Int]()
    var sizes = [Int](repeating: 0, count: k)
    for g in ordered {
        let f = sizes.indices.min { sizes[$0] != sizes[$1] ? sizes[$0] < sizes[$1] : $0 < $1 }!
        foldOf[g] = f
        sizes[f] += members[g]!.count
    }
    return (0..<k).map { f in
        var train: [Int] = [], test: [Int] = []
        for (i, g) in groups.enumerated() {
            if foldOf[g] == f { test.append(i) } else { train.append(i) }
        }
        return Split(train: train, test: test)
    }
}

/// A stratified hold-out split: every class (a distinct value of `labels`) contributes
/// its share of `round(count · testFraction)` test indices — `n_c · testFraction`, rounded
/// so that the shares add up exactly (largest remainders first) — so that the test part
/// has the class proportions of the whole. Both parts come in a shuffled order given by
/// `seed`. Throws `DataError.invalidArgument` for a fraction outside [0, 1].
public func stratifiedTrainTestSplit(labels: [Int], testFraction: Double, seed: UInt64) throws -> Split {
    guard testFraction >= 0 && testFraction <= 1 else {
        throw DataError.invalidArgument(message: "stratifiedTrainTestSplit: test fraction \(testFraction) is not in [0, 1]")
    }
    var rng = RandomGenerator(seed: seed)
    var members: [Int: [Int]] = [:]
    for i in rng.permutation(labels.count) { members[labels[i], default: []].append(i) }
    let classes = members.keys.sorted()
    let target = min(labels.count, Int((Double(labels.count) * testFraction).rounded()))
    // Hamilton's method: floors first, then one more for the largest remainders.
    let quotas = classes.map { Double(members[$0]!.count) * testFraction }
    var shares = quotas.map { Int($0.rounded(.down)) }
    let byRemainder = classes.indices.sorted { (quotas[$0] - Double(shares[$0]), -$0) > (quotas[$1] - Double(shares[$1]), -$1) }
    for k in byRemainder.prefix(max(0, target - shares.reduce(0, +))) { shares[k] += 1 }
    var train: [Int] = [], test: [Int] = []
    for (k, c) in classes.enumerated() {
        let m = members[c]!
        test += m[..<shares[k]]
        train += m[shares[k]...]
    }
    return Split(train: rng.permutation(train.count).map { train[$0] },
                 test: rng.permutation(test.count).map { test[$0] })
}
