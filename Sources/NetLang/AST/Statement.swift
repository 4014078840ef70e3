/// Statements of the language (grammar/netlang.ebnf).
public indirect enum Statement: Sendable {
    case importFile(path: String, span: SourceSpan)
    case letBinding(name: String, nameSpan: SourceSpan, value: Expression, span: SourceSpan)
    case assignment(name: String, nameSpan: SourceSpan, value: Expression, span: SourceSpan)
    case function(FunctionDefinition)
    case block(BlockDefinition)
    case model(ModelDefinition)
    case data(name: String, nameSpan: SourceSpan, value: Expression, span: SourceSpan)
    case train(TrainStatement)
    case print([Expression], span: SourceSpan)
    case repeatLoop(count: Expression, body: [Statement], span: SourceSpan)
    case forLoop(variable: String, variableSpan: SourceSpan, sequence: Expression, body: [Statement], span: SourceSpan)
    case ifElse(condition: Expression, then: [Statement], otherwise: [Statement]?, span: SourceSpan)
    case returnValue(Expression, span: SourceSpan)
    /// `save m to "f", optimizer: true`: options after the path.
    case save(model: Expression, path: Expression, options: [Argument], span: SourceSpan)
    /// `load m from "f", prefix: "other"`.
    case load(model: Expression, path: Expression, options: [Argument], span: SourceSpan)
    case expression(Expression)

    public var span: SourceSpan {
        switch self {
        case let .importFile(_, s), let .letBinding(_, _, _, s), let .assignment(_, _, _, s), let .data(_, _, _, s),
             let .print(_, s), let .repeatLoop(_, _, s), let .forLoop(_, _, _, _, s), let .ifElse(_, _, _, s),
             let .returnValue(_, s), let .save(_, _, _, s), let .load(_, _, _, s):
            s
        case let .function(f): f.span
        case let .block(b): b.span
        case let .model(m): m.span
        case let .train(t): t.span
        case let .expression(e): e.span
        }
    }
}

/// `fn name(params) { … }` or `fn name(params) = expr`.
public struct FunctionDefinition: Sendable {
    public var name: String
    public var nameSpan: SourceSpan
    public var parameters: [Parameter]
    /// A single-expression body is stored as `[.returnValue(expr)]`.
    public var body: [Statement]
    public var span: SourceSpan
    public init(name: String, nameSpan: SourceSpan, parameters: [Parameter], body: [Statement], span: SourceSpan) {
        self.name = name; self.nameSpan = nameSpan; self.parameters = parameters; self.body = body; self.span = span
    }
}

/// `block name(params) { layers }`: a parameterised, reusable sequence of layers.
public struct BlockDefinition: Sendable {
    public var name: String
    public var nameSpan: SourceSpan
    public var parameters: [Parameter]
    public var layers: [LayerItem]
    public var span: SourceSpan
    public init(name: String, nameSpan: SourceSpan, parameters: [Parameter], layers: [LayerItem], span: SourceSpan) {
        self.name = name; self.nameSpan = nameSpan; self.parameters = parameters; self.layers = layers; self.span = span
    }
}

/// `model name(input: [64]) { layers }`.
public struct ModelDefinition: Sendable {
    public var name: String
    public var nameSpan: SourceSpan
    public var arguments: [Argument]
    public var layers: [LayerItem]
    public var span: SourceSpan
    public init(name: String, nameSpan: SourceSpan, arguments: [Argument], layers: [LayerItem], span: SourceSpan) {
        self.name = name; self.nameSpan = nameSpan; self.arguments = arguments; self.layers = layers; self.span = span
    }
}

/// `lipschitz(c: 0.9, iterations: 1)` attached to a layer or block.
public struct Constraint: Sendable {
    public var arguments: [Argument]
    public var span: SourceSpan
    public init(arguments: [Argument], span: SourceSpan) { self.arguments = arguments; self.span = span }
}

/// One item of a layer sequence.
public indirect enum LayerItem: Sendable {
    /// `dense(128)`, `relu`, `bottleneck(64)`, with optional constraints.
    case call(name: String, nameSpan: SourceSpan, arguments: [Argument], constraints: [Constraint], span: SourceSpan)
    /// `affine_coupling(mask: "channel") { conv2d(32) relu conv2d(4) }`: a built-in layer
    /// with a network of its own (the catalog says which layers take one).
    case bodied(name: String, nameSpan: SourceSpan, arguments: [Argument], body: [LayerItem], span: SourceSpan)
    /// `residual(projection: true) lipschitz(c: 0.9) { … }`: x + g(x).
    case residual(arguments: [Argument], constraints: [Constraint], body: [LayerItem], span: SourceSpan)
    /// `repeat 4 { … }`
    case repeated(count: Expression, body: [LayerItem], span: SourceSpan)
    /// `lipschitz(c: 0.9) { … }`: a constraint on every layer inside.
    case constrained(Constraint, body: [LayerItem], span: SourceSpan)

    public var span: SourceSpan {
        switch self {
        case let .call(_, _, _, _, s), let .bodied(_, _, _, _, s), let .residual(_, _, _, s), let .repeated(_, _, s), let .constrained(_, _, s): s
        }
    }
}

/// `train a, b on data { … }`.
public struct TrainStatement: Sendable {
    public var models: [(name: String, span: SourceSpan)]
    public var data: Expression
    public var items: [TrainItem]
    public var span: SourceSpan
    /// `let h = train …`: the name the training history is bound to.
    public var result: (name: String, span: SourceSpan)? = nil
    public init(models: [(name: String, span: SourceSpan)], data: Expression, items: [TrainItem], span: SourceSpan) {
        self.models = models; self.data = data; self.items = items; self.span = span
    }
}

/// One setting of a train block.
public enum TrainItem: Sendable {
    case loss(Expression, span: SourceSpan)
    case minimize(Expression, over: [(name: String, span: SourceSpan)], span: SourceSpan)
    case maximize(Expression, over: [(name: String, span: SourceSpan)], span: SourceSpan)
    case optimizer(Expression, span: SourceSpan)
    case schedule(Expression, span: SourceSpan)
    /// `epochs 30`, `steps 1000`, `batch 64`.
    case setting(name: String, value: Expression, span: SourceSpan)
    case shuffle(Expression, span: SourceSpan)
    case log([Expression], span: SourceSpan)
    /// `validate DATA [every N]` (also `validate on DATA`).
    case validate(Expression, every: Expression?, span: SourceSpan)
    /// `early_stop(patience: 5, min_delta: 0)`.
    case earlyStop([Argument], span: SourceSpan)
    /// `keep best`: the best validated parameters are restored at the end.
    case keepBest(span: SourceSpan)
    /// `reset optimizer`: fresh optimiser state instead of the one left by the last block.
    case resetOptimizer(span: SourceSpan)

    public var span: SourceSpan {
        switch self {
        case let .loss(_, s), let .minimize(_, _, s), let .maximize(_, _, s), let .optimizer(_, s), let .schedule(_, s),
             let .setting(_, _, s), let .shuffle(_, s), let .log(_, s), let .validate(_, _, s), let .earlyStop(_, s),
             let .keepBest(s), let .resetOptimizer(s): s
        }
    }
}
