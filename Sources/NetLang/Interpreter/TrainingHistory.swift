import Foundation
import NetRuntime

/// What `let h = train …` returns (Keras' `History.history`): one row per epoch of the
/// training loss and the time, one per validation of the validation loss and accuracy,
/// and the early-stopping outcome.
struct TrainingHistory {
    var epochLosses: [Double] = []
    /// Seconds since the block started, at the end of each epoch.
    var epochSeconds: [Double] = []
    var validationEpochs: [Int] = []
    var validationLosses: [Double] = []
    /// Per validated epoch, the accuracy of each classifier trained (by model name).
    var validationAccuracies: [(model: String, values: [Double])] = []
    var bestEpoch: Int? = nil
    var bestValidationLoss = Double.infinity
    var stoppedEarly = false
    var restoredBest = false
    var steps = 0
    /// The loss is a flow's series estimate of the NLL, not the NLL.
    var seriesEstimate = false

    mutating func addAccuracy(_ value: Double, model: String) {
        if let i = validationAccuracies.firstIndex(where: { $0.model == model }) {
            validationAccuracies[i].values.append(value)
        } else {
            validationAccuracies.append((model, [value]))
        }
    }

    var value: Value {
        func tensor(_ xs: [Double]) -> Value { .tensor(Tensor(shape: [xs.count], scalars: xs)) }
        var fields: [(String, Value)] = [
            ("epoch", tensor(epochLosses.indices.map { Double($0 + 1) })),
            ("loss", tensor(epochLosses)),
            ("loss_kind", .string(seriesEstimate ? "series estimate" : "loss")),
            ("seconds", tensor(epochSeconds)),
            ("steps", .number(Double(steps))),
            ("val_epoch", tensor(validationEpochs.map(Double.init))),
            ("val_loss", tensor(validationLosses)),
        ]
        // One classifier: val_accuracy; several: val_accuracy_<model>.
        for (model, values) in validationAccuracies {
            fields.append((validationAccuracies.count == 1 ? "val_accuracy" : "val_accuracy_\(model)", tensor(values)))
        }
        fields += [
            ("best_epoch", bestEpoch.map { .number(Double($0)) } ?? .none),
            ("best_val_loss", bestEpoch == nil ? .none : .number(bestValidationLoss)),
            ("stopped_early", .boolean(stoppedEarly)),
            ("restored_best", .boolean(restoredBest)),
        ]
        return .record(fields)
    }
}

/// `early_stop(patience: 5, min_delta: 0)`: stop when the validation loss has not fallen
/// by more than min_delta for `patience` validations in a row (Keras' EarlyStopping on
/// val_loss; patience counts validations, i.e. epochs under `validate … every 1`).
struct EarlyStopping {
    var patience: Int
    var minDelta: Double
    private(set) var waited = 0

    init(patience: Int, minDelta: Double) { self.patience = patience; self.minDelta = minDelta }

    /// Records a validation; true when training should stop.
    mutating func shouldStop(improved: Bool) -> Bool {
        waited = improved ? 0 : waited + 1
        return waited >= patience
    }
}
