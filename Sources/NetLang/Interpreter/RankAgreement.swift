import NetRuntime

/// Under mpirun every rank runs the whole script and all of them must meet in the same
/// collectives: each train block's all-reduces, each `load` (rank 0 reads the file and
/// broadcasts its values), and the end of the script. A rank that trains for more steps
/// (`steps 2 + w.rank`), skips a train block or a load (`if w.rank == 0 { … }`) or holds
/// other data waited in a collective forever or met the others in the wrong one. So before
/// a train block starts, before a load, and when the script ends, the ranks compare what
/// they are about to do (one all-reduce, `Communicator.agreement`); a difference is an
/// error on every rank.
extension Interpreter {
    /// Where a rank is: 1 at a train block, 2 at a load, 0 at the end of the script.
    private enum Place: Double { case end = 0, train = 1, load = 2 }

    /// What ranks must agree on, in the order of `agreementValues`.
    private static let agreedQuantities = ["where they are", "the train block", "the number of steps", "the global batch size",
                                           "the number of examples", "the size of an example", "the data (a checksum of x and y)"]

    /// Checks, before training starts, that every rank runs this train block with the same
    /// steps, batch and data.
    func checkRanksAgree(on training: CompiledTraining, at span: SourceSpan) throws {
        guard world.size > 1 else { return }
        let data = training.data
        let checksum = data.x.scalars.reduce(0, +) + (data.y?.scalars.reduce(0, +) ?? 0)
        try compareWithOtherRanks(.train, [Double(span.start), Double(training.totalSteps), Double(training.batchSize),
                                           Double(data.count), Double(data.exampleShape.reduce(1, *)), checksum], at: span)
    }

    /// Before a `load`: every rank must load the same model here, since rank 0 reads the
    /// file and broadcasts its values to the others.
    func checkRanksAgreeOnLoad(of model: ModelValue, at span: SourceSpan) throws {
        guard world.size > 1 else { return }
        try compareWithOtherRanks(.load, [Double(span.start), Double(model.model.variables.count), 0, 0, 0, 0], at: span)
    }

    /// At the end of a run under mpirun: fails (on every rank) when another rank is still
    /// at a train block this one never reached.
    public func finishWithOtherRanks(_ file: SourceFile) throws {
        guard world.size > 1, !checkOnly else { return }
        try compareWithOtherRanks(.end, [0, 0, 0, 0, 0, 0], at: SourceSpan(file: file, start: file.bytes.count, end: file.bytes.count))
    }

    /// `quantities` are the values after "where they are" in `agreedQuantities`; one more
    /// value, 1 at a load, lets every rank count the ranks at a load and at a train block.
    private func compareWithOtherRanks(_ place: Place, _ quantities: [Double], at span: SourceSpan) throws {
        let values = [place.rawValue] + quantities + [place == .load ? 1 : 0]
        let (agrees, means) = world.agreement(values)
        guard agrees.contains(false) else { return }
        world.noteCollectiveFailure()
        let size = Double(world.size)
        let atLoad = Int((means[values.count - 1] * size).rounded())
        if place == .load, atLoad < world.size {
            throw Diagnostic.error("ranks disagree: this rank (\(world.rank)) loads a model here, but \(world.size - atLoad) of \(world.size) ranks are at a train block or the end of the script without it (a load under 'if w.rank == …'?); every rank must run every load", at: span)
        }
        if place != .load, atLoad > 0 {
            // Ranks at the end of the script add 0 to the offsets; the others are at a load.
            let atTrain = Int((means[0] * size).rounded()) - 2 * atLoad
            let offset = place == .end && atTrain == 0 ? min(span.file.bytes.count, Int((means[1] * size / Double(atLoad)).rounded())) : span.start
            throw Diagnostic.error("ranks disagree: \(atLoad) of \(world.size) ranks load a model \(place == .end && atTrain == 0 ? "here" : "elsewhere"), which this rank (\(world.rank)) never did; every rank must run every load",
                                   at: SourceSpan(file: span.file, start: offset, end: offset + 4))
        }
        if place == .load {
            throw Diagnostic.error("ranks disagree: this rank (\(world.rank)) loads a model here, the others at another load or into another model; every rank must run every load", at: span)
        }
        if !agrees[0] {
            // Some ranks are at a train block, the others at the end of the script; the mean
            // offset over the ranks at the block is where the others are.
            let atTrain = means[0] * Double(world.size)
            if place == .train {
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
