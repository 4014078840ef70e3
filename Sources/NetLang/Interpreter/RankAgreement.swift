import NetRuntime

/// Under mpirun every rank runs the whole script and all of them must meet in the same
/// collectives: each train block's all-reduces, and the end of the script. A rank that
/// trains for more steps (`steps 2 + w.rank`), skips a train block (`if w.rank == 0 {
/// train … }`) or holds other data waited in an all-reduce forever. So before a train block
/// starts, and when the script ends, the ranks compare what they are about to do (one
/// all-reduce, `Communicator.agreement`); a difference is an error on every rank.
extension Interpreter {
    /// Where a rank is: 1 at a train block, 0 at the end of the script.
    private enum Place: Double { case end = 0, train = 1 }

    /// What ranks must agree on, in the order of `agreementValues`.
    private static let agreedQuantities = ["where they are", "the train block", "the number of steps", "the global batch size",
                                           "the number of examples", "the size of an example", "the data (a checksum of x and y)"]

    /// Checks, before training starts, that every rank runs this train block with the same
    /// steps, batch and data.
    func checkRanksAgree(on training: CompiledTraining, at span: SourceSpan) throws {
        guard world.size > 1 else { return }
        let data = training.data
        let checksum = data.x.scalars.reduce(0, +) + (data.y?.scalars.reduce(0, +) ?? 0)
        try compareWithOtherRanks([Place.train.rawValue, Double(span.start), Double(training.totalSteps), Double(training.batchSize),
                                   Double(data.count), Double(data.exampleShape.reduce(1, *)), checksum], at: span)
    }

    /// At the end of a run under mpirun: fails (on every rank) when another rank is still
    /// at a train block this one never reached.
    public func finishWithOtherRanks(_ file: SourceFile) throws {
        guard world.size > 1, !checkOnly else { return }
        try compareWithOtherRanks([Place.end.rawValue, 0, 0, 0, 0, 0, 0], at: SourceSpan(file: file, start: file.bytes.count, end: file.bytes.count))
    }

    private func compareWithOtherRanks(_ values: [Double], at span: SourceSpan) throws {
        let (agrees, means) = world.agreement(values)
        guard agrees.contains(false) else { return }
        world.noteCollectiveFailure()
        if !agrees[0] {
            // Some ranks are at a train block, the others at the end of the script; the mean
            // offset over the ranks at the block is where the others are.
            let atTrain = means[0] * Double(world.size)
            if values[0] == Place.train.rawValue {
                throw Diagnostic.error("ranks disagree: this rank starts this train block, but \(world.size - Int(atTrain.rounded())) of \(world.size) ranks reached the end of the script without it (a train block under 'if w.rank == …'?); every rank must run every train block", at: span)
            }
            let offset = min(span.file.bytes.count, max(0, Int((means[1] * Double(world.size) / max(atTrain, 1)).rounded())))
            throw Diagnostic.error("ranks disagree: \(Int(atTrain.rounded())) of \(world.size) ranks start this train block, which this rank (\(world.rank)) never reached; every rank must run every train block",
                                   at: SourceSpan(file: span.file, start: offset, end: offset + 5))
        }
        let differing = agrees.indices.filter { !agrees[$0] }.map { i in
            i == 1 ? Self.agreedQuantities[i] : "\(Self.agreedQuantities[i]) (this rank: \(formatValue(values[i])), mean over the ranks: \(formatValue(means[i])))"
        }
        throw Diagnostic.error("ranks disagree on \(differing.joined(separator: ", ")) before training; every rank must train the same steps on the same data (rank \(world.rank) of \(world.size))", at: span)
    }
}
