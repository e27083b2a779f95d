public enum TerminalUIInfo { public static let version = "0.1.0" }
