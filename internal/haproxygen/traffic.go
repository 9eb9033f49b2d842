package haproxygen

// site is a frontend with its Host header and the routes its requests
// take; tls marks a frontend HAProxy logs with a trailing ~.
type site struct {
	frontend string
	host     string
	tls      bool
	routes   []route
}

// route is one kind of request: method and path template ({id}, {word} and
// {hex} are filled per line), the backend and servers that answer it, the
// status and response size of a normal answer and the server's typical
// response time in milliseconds.
type route struct {
	method             string
	path               string
	backend            string
	servers            []string
	status             int
	minBytes, maxBytes int
	respMs             int
}

var (
	webServers    = []string{"web1", "web2", "web3"}
	staticServers = []string{"static1", "static2"}
	apiServers    = []string{"api1", "api2", "api3", "api4"}
	shopServers   = []string{"shop1", "shop2"}
)

// sites is the traffic model; siteWeights says how the requests split
// between the sites.
var sites = [...]site{
	{frontend: "www", host: "example.com", tls: true, routes: []route{
		{"GET", "/", "web", webServers, 200, 8_000, 20_000, 12},
		{"GET", "/index.html", "web", webServers, 200, 8_000, 20_000, 10},
		{"GET", "/search?q={word}&page={id}", "web", webServers, 200, 4_000, 60_000, 80},
		{"GET", "/assets/app.{hex}.js", "static", staticServers, 200, 30_000, 300_000, 2},
		{"GET", "/assets/style.{hex}.css", "static", staticServers, 200, 5_000, 40_000, 2},
		{"GET", "/img/{id}.png", "static", staticServers, 200, 2_000, 500_000, 3},
		{"GET", "/about", "web", webServers, 200, 3_000, 6_000, 8},
		{"POST", "/login", "web", webServers, 302, 300, 600, 40},
		{"GET", "/old-page", "web", webServers, 301, 180, 200, 1},
	}},
	{frontend: "api-gw", host: "api.example.com", tls: true, routes: []route{
		{"GET", "/api/items?id={id}", "api", apiServers, 200, 200, 4_000, 15},
		{"GET", "/v1/orders/{id}", "api", apiServers, 200, 300, 2_000, 20},
		{"GET", "/v1/orders?customer={id}&limit=50", "api", apiServers, 200, 1_000, 40_000, 60},
		{"POST", "/v1/orders", "api", apiServers, 201, 250, 500, 45},
		{"PUT", "/v1/orders/{id}", "api", apiServers, 200, 250, 500, 35},
		{"PATCH", "/v1/users/{id}", "api", apiServers, 200, 200, 400, 25},
		{"DELETE", "/v1/orders/{id}", "api", apiServers, 204, 0, 0, 18},
		{"GET", "/v1/health", "api", apiServers, 200, 90, 90, 1},
	}},
	{frontend: "shop", host: "shop.example.com", routes: []route{
		{"GET", "/cart", "shop", shopServers, 200, 1_500, 9_000, 18},
		{"POST", "/cart/items", "shop", shopServers, 201, 300, 700, 30},
		{"DELETE", "/cart/items/{id}", "shop", shopServers, 204, 0, 0, 15},
		{"GET", "/products/{id}", "shop", shopServers, 200, 6_000, 30_000, 25},
		{"HEAD", "/products/{id}", "shop", shopServers, 200, 200, 300, 5},
		{"OPTIONS", "/cart", "shop", shopServers, 204, 150, 200, 1},
	}},
}

var siteWeights = [len(sites)]int{50, 35, 15}

// words are search terms for {word}.
var words = []string{
	"haproxy", "tracing", "otel+collector", "red+shoes", "laptop", "coffee",
	"opentelemetry", "logs", "spans", "rust", "go", "kubernetes",
}
