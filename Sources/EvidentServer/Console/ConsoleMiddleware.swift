import HTTPTypes
import Hummingbird

/// Serves the web console (docs/console.md) at `/_console/`: a fixed map of files embedded in the binary, the
/// same for everyone, so no key is needed; they hold no data, and every call the page makes to the API carries
/// the key the person typed. Any other path under `/_console` is 404, and no path is ever read from a disk.
/// Every answer carries a strict Content-Security-Policy (only this origin's files, no inline script or style),
/// `X-Content-Type-Options: nosniff` and `frame-ancestors 'none'`.
///
/// It runs before ``EvidentMiddleware`` (whose canonical-path rule refuses the trailing `/` of `/_console/`)
/// and answers only paths under `/_console`; every other request goes on to the API's routes unchanged.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = EvidentRequestContext

    /// The path of the console's index page.
    static let root = "/_console/"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard path == "/_console" || path.hasPrefix(Self.root) else { return try await next(request, context) }
        var response: Response
        if request.method != .get {
            response = APIError(.methodNotAllowed, "The console's files are read with GET.").response
            response.headers[.allow] = "GET"
        } else if path == "/_console" {
            response = Response(status: .permanentRedirect, headers: [.location: Self.root])
        } else if let file = ConsoleFiles.file(at: String(path.dropFirst(Self.root.count))) {
            response = Response(
                status: .ok, headers: [.contentType: file.contentType, .cacheControl: "no-cache"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
        } else {
            response = APIError(.notFound, "The console has no file '\(path)'.").response
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
        response.headers[.init("X-Request-Id")!] = context.id
        return response
    }

    /// Scripts, styles, images and requests from this origin only; no inline script or style, no `eval`, no
    /// plug-ins, no framing, no form posts, no `<base>`.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
}
