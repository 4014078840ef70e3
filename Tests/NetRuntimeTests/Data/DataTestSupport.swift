import Foundation
import XCTest

/// A fresh temporary directory per test, removed afterwards.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "netruntime-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The repository root, found from this source file's location.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }   // Data, NetRuntimeTests, Tests, file
    return url.path
}()
