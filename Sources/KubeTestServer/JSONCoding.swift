#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeTypes

/// JSON bytes in and out of `JSONValue`, for request and response bodies.
enum JSONCoding {
    static func decode(_ bytes: [UInt8]) throws(APIError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw APIError.badRequest("the request body is not valid JSON")
        }
    }

    static func encode(_ value: JSONValue) -> [UInt8] {
        (try? Array(JSONEncoder().encode(value))) ?? Array("{}".utf8)
    }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        (try? Array(JSONEncoder().encode(value))) ?? Array("{}".utf8)
    }

    /// A typed value as a `JSONValue`, through its Codable form.
    static func jsonValue<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// A `JSONValue` as a typed value, through its Codable form.
    static func typed<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
    }
}

extension Status {
    var jsonValue: JSONValue { (try? JSONCoding.jsonValue(self)) ?? .object([:]) }
}
