import Foundation
import XCTest

/// The netl executable next to the test bundle (.build/debug/netl); `make test` builds it
/// (swift build --product netl) before the tests.
let netl: URL = {
    var dir = Bundle(for: CommandLineTests.self).bundleURL
    while dir.pathExtension == "xctest" || dir.lastPathComponent == "Contents" { dir.deleteLastPathComponent() }
    return dir.appendingPathComponent("netl")
}()

/// Fails the test with a clear message when netl has not been built.
func requireNetl() throws {
    guard FileManager.default.fileExists(atPath: netl.path) else {
        XCTFail("netl is not built at \(netl.path); run `swift build --product netl` first")
        throw CancellationError()
    }
}
