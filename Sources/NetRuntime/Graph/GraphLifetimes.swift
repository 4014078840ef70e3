/// Lifetimes of graph nodes: a session graph that only ever grows makes every later
/// evaluation plan over, and every gradient walk over, all the nodes built before it, so
/// a loop of `grad` calls slows down quadratically and its memory grows (issue 23).
///
/// A caller that builds nodes for one evaluation notes `count` before it starts and calls
/// `release(from:)` when its values are no longer reachable; nodes something still needs
/// are *kept*: variables (always), the nodes a planned executor runs (it holds their ids),
/// and whatever the caller marks with `keep(through:)` (a value that escaped). Releasing
/// drops every node from the mark or the kept prefix, whichever is later, so ids stay
/// dense and the list order stays the topological order.
extension Graph {
    /// Keeps `node` and every node before it through later releases.
    public func keep(through node: Node) {
        precondition(node.graph === self, "node from another graph")
        keep(throughID: node.id)
    }

    func keep(throughID id: Int) { keptCount = Swift.max(keptCount, id + 1) }

    /// Keeps every node built so far (a model's constants, which live as long as it does).
    public func keepEverythingBuilt() { keep(throughID: count - 1) }

    /// Drops the nodes made since `mark` (a `count` read earlier) that nothing keeps.
    /// A `Node` handle to a dropped node must not be used again.
    public func release(from mark: Int) {
        let first = Swift.max(mark, keptCount)
        guard first < count else { return }
        dropRecords(from: first)
    }
}
