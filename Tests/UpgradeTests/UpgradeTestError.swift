/// A failure of the test machinery (not of the code under test), with what it waited for.
struct UpgradeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
