import NetLibrary
import NetRuntime

/// `jit(f, x, w, …)`: compiles a function of tensors once for the shapes of the example
/// arguments (as `jax.jit` does) and returns a function that runs the planned graph.
extension Builtins {
    static var compileFunctions: [(String, Body)] {
        [
            ("jit", { context, args in
                let f = try args.required("f", position: 0)
                guard case let .function(callable) = f.value else { throw Diagnostic.error("jit needs a function", at: f.span) }
                var examples: [Tensor<Double>] = []
                var position = 1
                while let a = args.value("x\(position)", position: position) {
                    guard let t = context.tensorValue(a.value) else { throw Diagnostic.error("jit: example arguments are tensors", at: a.span) }
                    examples.append(t)
                    position += 1
                }
                return .function(try context.compile(callable, examples: examples, span: args.span))
            }),
        ]
    }
}

extension BuiltinContext {
    /// Plans `f` for arguments of the examples' shapes; the result checks shapes per call.
    func compile(_ f: Callable, examples: [Tensor<Double>], span: SourceSpan) throws -> Callable {
        let inputs = examples.enumerated().map { graph.input("jit_\(f.name)_\($0.offset)", shape: $0.element.shape) }
        let result = try node(try evaluatingSymbolically(repeatsExecution: true) {   // random built-ins draw anew at every call
            try f.call(inputs.map { ArgumentValue(label: nil, value: .node($0), span: span) }, span)
        }, span: span)
        try checkGraphErrors(span)
        // Random leaves (randn, rand, bernoulli, dequantize) draw from a stream seeded by --seed.
        let executor = Executor<Float>(graph: graph, outputs: [result], variables: variables, seed: seed &+ 29)
        let buffers = inputs.map { executor.uses($0) ? executor.inputPointer($0) : nil }
        let output = executor.pointer(result)
        return Callable(name: "jit(\(f.name))") { args, callSpan in
            guard args.count == inputs.count else {
                throw Diagnostic.error("this compiled function takes \(inputs.count) arguments, got \(args.count)", at: callSpan)
            }
            for (k, a) in args.enumerated() {
                guard let t = self.tensorValue(a.value), t.shape == inputs[k].shape else {
                    throw Diagnostic.error("argument \(k + 1) must have shape \(inputs[k].shape), as when compiled", at: a.span)
                }
                if let p = buffers[k] { t.scalars.withUnsafeBufferPointer { for i in 0..<$0.count { p[i] = Float($0[i]) } } }
            }
            executor.run()
            let values = UnsafeBufferPointer(start: output, count: result.count).map(Double.init)
            return result.shape.isEmpty ? .number(values[0]) : .tensor(Tensor(shape: result.shape, scalars: values))
        }
    }
}
