import NetLibrary
import NetRuntime

/// A value of the language at run time.
///
/// Tensors computed at the top level are concrete (`tensor`); inside a loss or inside a
/// function being differentiated they are graph nodes (`node`), so the same expression
/// can be run eagerly in the REPL or compiled into a training step.
public indirect enum Value {
    case none
    case number(Double)
    case string(String)
    case boolean(Bool)
    case list([Value])
    case tensor(Tensor<Double>)
    case node(Node)
    case model(ModelValue)
    case dataset(Dataset)
    case function(Callable)
    case block(BlockValue)
    case optimizer(OptimizerSpec)
    case schedule(any LearningRateSchedule)
    /// A named collection (fold of a cross-validation, a result row, a parameter group).
    case record([(String, Value)])

    /// The type's name in diagnostics ("number", "tensor", "model", …).
    public var typeName: String {
        switch self {
        case .none: "nothing"
        case .number: "number"
        case .string: "string"
        case .boolean: "boolean"
        case .list: "list"
        case .tensor, .node: "tensor"
        case .model: "model"
        case .dataset: "data set"
        case .function: "function"
        case .block: "block"
        case .optimizer: "optimizer"
        case .schedule: "schedule"
        case .record: "record"
        }
    }
}

/// A model defined in a script, with the definition it came from.
public final class ModelValue {
    public let model: Model
    public let definition: ModelDefinition?
    public init(model: Model, definition: ModelDefinition?) {
        self.model = model
        self.definition = definition
    }
    public var name: String { model.name }
    /// Where its current weights came from when not from initialisation ("trained for 64
    /// steps", "loaded from \"f.safetensors\""): redefining the model discards them, which
    /// the REPL warns about (`Interpreter.warnIfDiscardingWeights`).
    public var learnedWeights: String?
}

/// A user block: a parameterised sequence of layers, expanded where it is used.
public struct BlockValue {
    public let definition: BlockDefinition
    public let environment: Environment
}

/// Something that can be called: a built-in or a user function.
public struct Callable {
    public let name: String
    /// Whether this is one of the language's built-ins (`Builtins.install`), whose
    /// description the resolver checks calls against.
    public var isBuiltin = false
    public let call: (_ arguments: [ArgumentValue], _ span: SourceSpan) throws -> Value
}

/// An evaluated call argument.
public struct ArgumentValue {
    public var label: String?
    public var value: Value
    public var span: SourceSpan
    /// Where the argument's name is written (`lr` in `lr: 0.1`), for diagnostics about it.
    public var labelSpan: SourceSpan?
    public init(label: String?, value: Value, span: SourceSpan, labelSpan: SourceSpan? = nil) {
        self.label = label; self.value = value; self.span = span; self.labelSpan = labelSpan
    }
}

/// An optimiser as written in a script (`adam(lr: 1e-3, weight_decay: 1e-4)`), turned into
/// a runtime `Optimizer` when training starts (it needs the parameter sizes).
public struct OptimizerSpec {
    public var name: String
    public var make: (_ sizes: [Int]) -> Optimizer<Float>
    public var learningRate: Double
}
