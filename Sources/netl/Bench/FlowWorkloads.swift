import NetLang

/// Issue 20's performance workloads: one training step of the Glow and the i-ResNet flow
/// rows of examples/ch5/mnist_flows.net (same layers, width 32, 4 steps of flow) at batch 64
/// on [1, 28, 28]. The pixels are seeded uniform values in [0, 1) (scripts/reference_flows.py
/// draws its own of the same shape), dequantised with fresh noise each step and mapped by
/// logit(0.05 + 0.9·y) inside the loss, as in the example.
enum FlowWorkloads {
    /// The layers both scripts share; `body` is the model's block list.
    private static func script(model: String, body: String, loss: String) -> String {
        """
        data batch = dataset(rand([64, 1, 28, 28], seed: 1))
        model \(model)(input: [1, 28, 28]) {
          squeeze
          repeat 4 {
        \(body)
          }
        }
        train \(model) on batch {
          loss \(loss)
          optimizer adam(lr: 1e-3)
          batch 64  shuffle false  steps 1
        }
        """
    }

    /// Glow: actnorm, invertible 1×1 convolution, affine coupling (channel mask); exact log-det.
    static let glowScript = script(model: "glow", body: """
            actnorm
            invertible_conv1x1
            affine_coupling(mask: "channel") {
              conv2d(32, kernel: 3) relu conv2d(32, kernel: 1) relu conv2d(4, kernel: 3)
            }
        """, loss: "flow_nll(glow, preprocess(dequantize(x, levels: 256), \"logit\", alpha: 0.05))")

    /// i-ResNet flow: actnorm and a residual block with Lip(g) ≤ 0.9 (spectral normalisation of
    /// each convolution operator, Thm. 4.1); log-det by the 5-term power series with one
    /// Hutchinson probe and its backpropagated gradient (Alg. 2).
    static let iresnetFlowScript = script(model: "iresnet", body: """
            actnorm
            residual lipschitz(c: 0.9) {
              conv2d(32, kernel: 3) elu
              conv2d(32, kernel: 1) elu
              conv2d(4, kernel: 3)
            }
        """, loss: "flow_nll(iresnet, preprocess(dequantize(x, levels: 256), \"logit\", alpha: 0.05), terms: 5, probes: 1)")

    static func glow(reps: Int, warmup: Int) -> [String: Any] { run(glowScript, name: "glow_mnist", model: "glow", reps: reps, warmup: warmup) }
    static func iresnetFlow(reps: Int, warmup: Int) -> [String: Any] {
        run(iresnetFlowScript, name: "iresnet_flow_mnist", model: "iresnet", reps: reps, warmup: warmup)
    }

    /// The training step, with the model's trainable parameter count (the peers print theirs).
    private static func run(_ script: String, name: String, model: String, reps: Int, warmup: Int) -> [String: Any] {
        ScriptWorkloads.trainingStep(script, name: name, reps: reps, warmup: warmup) { interpreter in
            guard case let .model(m)? = interpreter.globals.lookup(model) else { return [:] }
            return ["params": m.model.parameterCount]
        }
    }

    static func profileGlow() { ScriptWorkloads.profile(glowScript, name: "glow_mnist") }
    static func profileIResNetFlow() { ScriptWorkloads.profile(iresnetFlowScript, name: "iresnet_flow_mnist") }
}
