import Testing
@testable import ThinkEditPipeline
