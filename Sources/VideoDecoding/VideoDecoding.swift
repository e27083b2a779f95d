public enum VideoDecodingInfo { public static let version = "0.1.0" }
