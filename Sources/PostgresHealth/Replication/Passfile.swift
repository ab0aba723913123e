import CLibpq

/// The replication passfile a standby's `primary_conninfo` names: one libpq passfile line
/// (`*:*:*:user:password`), written by the pod's bootstrap from the replication Secret and,
/// after a rotation, by the operator (``ReplicationActions/writePassfile(_:user:password:on:timeout:)``).
/// Both write the same bytes, so one digest says whether a standby's file is current.
public enum Passfile {
    /// The file's content: the user and password escaped as libpq reads them (`\` and `:`), a newline at the end.
    public static func content(user: String, password: PostgresPassword) -> String {
        "*:*:*:\(escape(user)):\(escape(password.value))\n"
    }

    /// The SHA-256 (lowercase hex) of ``content(user:password:)``: what a standby's probe reports
    /// of a current file. Computed here, so the password never travels to be compared.
    public static func digest(user: String, password: PostgresPassword) -> String {
        sha256Hex(Array(content(user: user, password: password).utf8))
    }

    static func escape(_ field: String) -> String {
        var escaped = ""
        for character in field {
            if character == "\\" || character == ":" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let done = bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // EVP_Digest fails only without memory; an empty digest then never matches a file's.
        guard done == 1, length == 32 else { return "" }
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
