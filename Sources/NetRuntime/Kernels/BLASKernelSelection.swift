import CBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes OpenBLAS use the GEMM kernels the CPU can run.
///
/// OpenBLAS (built with DYNAMIC_ARCH, as Debian builds it) picks its kernels from the CPU
/// *model* when the library loads. A release older than the CPU does not know the model
/// and falls back to its generic "Prescott" (SSE3) kernels: with Debian 12's OpenBLAS
/// 0.3.21 on an Emerald Rapids Xeon (family 6, model 207), 1024³ SGEMM on two threads ran
/// at 40 GFLOP/s instead of 276 (measured with `netl bench --workload gemm`).
///
/// When the user has not chosen a kernel (`OPENBLAS_CORETYPE`) and the one OpenBLAS chose
/// is weaker than what the CPU's feature flags offer, this selects by features —
/// Cooperlake (AVX-512 with BF16), SkylakeX (AVX-512), Haswell (AVX2 + FMA) — through
/// OpenBLAS's own re-initialisation (`gotoblas_dynamic_quit` / `gotoblas_dynamic_init`,
/// the path `OPENBLAS_CORETYPE` takes at load time), once, before the first BLAS call.
/// `NETL_BLAS_KEEP_CORE=1` turns this off.
public enum BLASKernelSelection {
    /// What happened: nil when OpenBLAS's own choice was kept, else the replaced kernel.
    public private(set) nonisolated(unsafe) static var replacedCore: String?

    /// Runs the selection once (thread-safe; later calls return at once).
    @inline(__always)
    public static func ensure() { _ = selection }

    private static let selection: Void = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["NETL_BLAS_KEEP_CORE"] == nil else { return }
        let current = String(cString: openblas_get_corename()).lowercased()
        guard let wanted = bestCore(flags: cpuFlags), rank(wanted) > rank(current) else { return }
        // The two entry points exist only in DYNAMIC_ARCH builds; look them up rather than
        // link them, so a single-architecture OpenBLAS still loads.
        guard let handle = dlopen(nil, RTLD_NOW),
              let quit = dlsym(handle, "gotoblas_dynamic_quit"), let initialise = dlsym(handle, "gotoblas_dynamic_init") else { return }
        typealias Entry = @convention(c) () -> Void
        setenv("OPENBLAS_CORETYPE", wanted, 1)
        unsafeBitCast(quit, to: Entry.self)()
        unsafeBitCast(initialise, to: Entry.self)()
        unsetenv("OPENBLAS_CORETYPE")  // child processes choose for themselves
        replacedCore = current
    }()

    /// The strongest kernel family the flags allow, or nil when none of ours applies.
    static func bestCore(flags: Set<String>) -> String? {
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16"]) { return "Cooperlake" }
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// An order on OpenBLAS's x86 core names by vector width; unknown names rank high, so
    /// a kernel this list does not know (a newer one) is never replaced.
    static func rank(_ core: String) -> Int {
        switch core.lowercased() {
        case "katmai", "coppermine", "northwood", "prescott", "banias", "core2", "penryn", "dunnington",
             "nehalem", "atom", "nano", "opteron", "opteron_sse3", "barcelona", "bobcat", "athlon": 0
        case "sandybridge", "bulldozer", "piledriver", "steamroller": 1
        case "haswell", "excavator", "zen": 2
        case "skylakex": 3
        case "cooperlake": 4
        default: 5
        }
    }

    /// The kernel's view of the CPU, read once: the "flags" line of /proc/cpuinfo (features
    /// the OS enabled, so AVX-512 is listed only when its registers are saved on context
    /// switch). `WideKernels` reads it too.
    static let cpuFlags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }()
}
