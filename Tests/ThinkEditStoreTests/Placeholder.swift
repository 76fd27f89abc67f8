import Testing
@testable import ThinkEditStore
