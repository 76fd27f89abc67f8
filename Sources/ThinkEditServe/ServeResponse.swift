import ThinkEditPages

/// What one request of `thinkedit serve` answers: a status, a content type and the bytes.
package struct ServeResponse: Sendable {
    package var status: Int
    package var contentType: String
    package var body: [UInt8]

    static func html(_ page: HTML, status: Int = 200) -> ServeResponse {
        ServeResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(page.text.utf8))
    }

    static func notFound(_ what: String) -> ServeResponse {
        html(ServePages.page(title: "not found", body: "<h1>Not found</h1><p>\(what)</p>"), status: 404)
    }
}
