import ArgumentParser
import Foundation
import NetRuntime

/// `netl bench`: the workloads of ../shared/bench/WORKLOADS.md, one JSON line each, in
/// the format of reference.py with "framework": "netlang".
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the reference benchmark workloads and print one JSON line per workload.")

    @Option(name: .long, help: "Workload to run (repeatable; default: all). One of: \(Workloads.names.joined(separator: ", ")).")
    var workload: [String] = []
    @Option(help: "Timed repetitions (overrides the defaults).") var reps: Int?
    @Option(help: "Warm-up steps (overrides the defaults).") var warmup: Int?
    @Flag(help: "About a fifth of the default repetitions, one warm-up step.") var quick = false
    @Option(help: "Repeat the whole selection this many times, interleaved.") var rounds = 1
    @Option(help: "Compute threads (OpenBLAS).") var threads = 2
    @Flag(help: "Run every workload in this process instead of one fresh process each.") var inProcess = false
    @Option(help: .hidden) var round: Int?
    @Flag(help: "Time the iresnet_toy and conv_iresnet training steps for growing batch, width and series terms; print one JSON line per point and draw a chart (--chart).")
    var sweep = false
    @Option(help: ArgumentHelp("Where --sweep writes its chart.", valueName: "FILE.png")) var chart = "bench-sweep.png"
    @Flag(help: "Print a per-kernel time profile and the roofline account (FLOP, compulsory bytes, peaks measured now, the step's share of the bound) of the selected workloads (default: mlp, iresnet_toy, conv_iresnet, isotopenet, mnist_iresnet; also glow_mnist, iresnet_flow_mnist) instead.") var profile = false
    @Flag(help: "Add the roofline account's numbers (roofline_ms, roofline_fraction, …) to the JSON lines of the training-step workloads (measures the machine's peaks after timing).")
    var roofline = false

    func validate() throws {
        for w in workload where !Workloads.names.contains(w) {
            throw ValidationError("unknown workload '\(w)'; expected one of: \(Workloads.names.joined(separator: ", "))")
        }
        guard rounds >= 1, threads >= 1 else { throw ValidationError("--rounds and --threads must be at least 1") }
        // A median of no repetitions does not exist (0 used to stop the program).
        if let reps, reps < 1 { throw ValidationError("--reps must be at least 1, got \(reps)") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be at least 0, got \(warmup)") }
    }

    func run() throws {
        // A/B switch for the convolution kernels (im2col + GEMM everywhere when set).
        if ProcessInfo.processInfo.environment["NETL_CONV_IM2COL"] != nil {
            ConvGeometry.direct1DEnabled = false
            ConvGeometry.direct2DEnabled = false
        }
        if sweep {
            guard chart.lowercased().hasSuffix(".png") else { throw ValidationError("--chart must name a .png file, got '\(chart)'") }
            setComputeThreads(threads)
            try CostSweep.run(quick: quick, chartPath: chart)
            return
        }
        if profile {
            setComputeThreads(threads)
            experimentalThreading()
            let selected = workload.isEmpty ? ["mlp", "iresnet_toy", "conv_iresnet", "isotopenet", "mnist_iresnet"] : workload
            if selected.contains("mlp") {
                MLPWorkload.profile()
                ScriptWorkloads.roofline(ScriptWorkloads.mlpScript, name: "mlp")
            }
            if selected.contains("iresnet_toy") {
                ProfileWorkloads.iresnetToy()
                ScriptWorkloads.roofline(ScriptWorkloads.iresnetToyScript, name: "iresnet_toy")
            }
            if selected.contains("conv_iresnet") { ScriptWorkloads.profileConvIResNet() }
            if selected.contains("isotopenet") { ScriptWorkloads.profileIsotopenet() }
            if selected.contains("glow_mnist") { FlowWorkloads.profileGlow() }
            if selected.contains("iresnet_flow_mnist") { FlowWorkloads.profileIResNetFlow() }
            if selected.contains("mnist_iresnet") { ScriptWorkloads.profile(ClassifierWorkloads.trainingScript, name: "mnist_iresnet") }
            return
        }
        RooflineReport.enabled = roofline
        let selection = workload.isEmpty ? Workloads.names : workload
        if inProcess || (selection.count == 1 && rounds == 1) {
            setBLASThreads(threads)
            experimentalThreading()
            for r in 1...rounds { for w in selection { try runOne(w, round: round ?? (rounds > 1 ? r : nil)) } }
            return
        }
        // One fresh process per workload and round, as reference.py does, so no thread
        // pool or heap state carries over between workloads.
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for r in 1...rounds {
            for w in selection {
                var args = ["bench", "--workload", w, "--threads", String(threads), "--in-process"]
                if let reps { args += ["--reps", String(reps)] }
                if let warmup { args += ["--warmup", String(warmup)] }
                if quick { args.append("--quick") }
                if roofline { args.append("--roofline") }
                if rounds > 1 { args += ["--round", String(r)] }
                let p = Process()
                p.executableURL = me
                p.arguments = args
                try p.run()
                p.waitUntilExit()
                if p.terminationStatus != 0 { throw ExitCode(p.terminationStatus) }
            }
        }
    }

    /// A/B switches for threading experiments (environment variables).
    private func experimentalThreading() {
        let env = ProcessInfo.processInfo.environment
        if env["NETL_GEMM_SPLIT"] == "0" { GemmThreading.split = false }
        if let work = env["NETL_GEMM_SPLIT_MAX"].flatMap(Int.init) { GemmThreading.maximumWork = work }
        if let chunk = env["NETL_MIN_CHUNK"].flatMap(Int.init) { ElementwiseThreading.minimumPerThread = chunk }
    }

    private func runOne(_ name: String, round: Int?) throws {
        let spec = Workloads.spec(name)
        var (r, w) = (spec.reps, spec.warmup)
        if quick { r = max(3, r / 5); w = 1 }
        r = reps ?? r
        w = warmup ?? w
        let start = Date()
        var result = spec.run(r, w)
        var line: [(String, Any)] = [("workload", name), ("framework", "netlang"), ("ms", result.removeValue(forKey: "ms") ?? Double.nan),
                                     ("reps", r), ("warmup", w), ("threads", threads)]
        if let round { line.append(("round", round)) }
        // The whole process's peak resident set (data, weights, arenas, libraries), as
        // the peers' lines from scripts/bench_side_by_side.py report it.
        if result["peak_rss_mb"] == nil { result["peak_rss_mb"] = peakResidentMegabytes() }
        for key in result.keys.sorted() { line.append((key, result[key]!)) }
        line.append(("wall_s", Date().timeIntervalSince(start)))
        print(jsonLine(line))
        fflush(nil)
    }
}

/// One JSON object with keys in the given order; numbers to 6 significant digits.
func jsonLine(_ items: [(String, Any)]) -> String {
    func value(_ v: Any) -> String {
        switch v {
        case let d as Double: return d.isFinite ? String(format: "%.6g", d) : "null"
        case let i as Int: return String(i)
        case let s as String: return "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        default: return "\"\(v)\""
        }
    }
    return "{" + items.map { "\"\($0.0)\": \(value($0.1))" }.joined(separator: ", ") + "}"
}
