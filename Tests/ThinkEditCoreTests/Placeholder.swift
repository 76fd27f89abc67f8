import Testing
@testable import ThinkEditCore
