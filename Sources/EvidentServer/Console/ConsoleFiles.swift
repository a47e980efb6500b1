/// The console's files, embedded in the binary at build time (`Package.swift` lists them with
/// `.embedInCode`), by the name they are served under below `/_console/`. This map is the only way to a file:
/// a name not in it is not served, whatever it spells.
enum ConsoleFiles {
    struct File: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    /// The file served at `/_console/<name>`; `""` is the index page.
    static func file(at name: String) -> File? { files[name] }

    static let files: [String: File] = [
        "": File(bytes: PackageResources.index_html, contentType: html),
        "console.css": File(bytes: PackageResources.console_css, contentType: css),
        "icon.svg": File(bytes: PackageResources.icon_svg, contentType: "image/svg+xml"),
        "app.js": File(bytes: PackageResources.app_js, contentType: javaScript),
        "api.js": File(bytes: PackageResources.api_js, contentType: javaScript),
        "dom.js": File(bytes: PackageResources.dom_js, contentType: javaScript),
        "overview.js": File(bytes: PackageResources.overview_js, contentType: javaScript),
        "log.js": File(bytes: PackageResources.log_js, contentType: javaScript),
        "aggregate.js": File(bytes: PackageResources.aggregate_js, contentType: javaScript),
        "spec.js": File(bytes: PackageResources.spec_js, contentType: javaScript),
        "consumers.js": File(bytes: PackageResources.consumers_js, contentType: javaScript),
        "keys.js": File(bytes: PackageResources.keys_js, contentType: javaScript),
    ]

    private static let html = "text/html; charset=utf-8"
    private static let css = "text/css; charset=utf-8"
    private static let javaScript = "text/javascript; charset=utf-8"
}
