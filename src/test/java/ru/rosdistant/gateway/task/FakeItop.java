package ru.rosdistant.gateway.task;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small iTop on a local port that speaks its REST/JSON API as {@code webservices/rest.php} and
 * {@code core/restservices.class.inc.php} do: the operation in the form field {@code json_data}, the account in
 * {@code auth_user}/{@code auth_pwd} (or the {@code Auth-Token} header), HTTP 200 with {@code code} and
 * {@code message} whatever happened, {@code objects} keyed {@code Class::key}. Requests live in memory. The key of
 * {@code core/get} is a number, a field hash (compared for equality) or an OQL query, of which only
 * {@code SELECT <class> WHERE id IN (…)} is understood; every call is recorded. Faults on demand: an error code,
 * an HTML page, an HTTP 500, the answer of a {@code core/create} dropped after the request was created, the account
 * refused.
 */
final class FakeItop {

    static final String USER = "gateway";

    static final String PASSWORD = "s3cret-pass";

    /**
     * A call the gateway made: the operation, its whole {@code json_data}, the {@code Auth-Token} header (null when
     * none) and the names of the form's fields.
     */
    record Call(String operation, JsonNode data, String token, Set<String> formFields) {
    }

    enum Fault {
        HTML_PAGE, HTTP_500, INTERNAL_ERROR
    }

    private static final Pattern ID_IN = Pattern.compile("SELECT (\\w+) WHERE id IN \\(([0-9, ]+)\\)");

    private final JsonMapper json = JsonMapper.builder().build();

    private final DisposableServer server;

    private final Map<Long, ObjectNode> tickets = new ConcurrentHashMap<>();

    private final AtomicLong ids = new AtomicLong(100);

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    private final Queue<Fault> faults = new ConcurrentLinkedQueue<>();

    private final Set<String> refusedUsers = ConcurrentHashMap.newKeySet();

    private final java.util.concurrent.atomic.AtomicBoolean dropCreateAnswer = new java.util.concurrent.atomic.AtomicBoolean();

    /** When set, the only way in: this token in the {@code Auth-Token} header (login and password are refused). */
    private volatile String onlyToken;

    private volatile boolean down;

    private final AtomicLong requests = new AtomicLong();

    private volatile String lastToken;

    private volatile Duration delay = Duration.ZERO;

    private volatile boolean drip;

    private volatile int padding;

    /**
     * Event loops of its own: the shared test context replaces Reactor Netty's global resources when it starts and
     * would take a server bound on them down with the old ones.
     */
    private final LoopResources loops = LoopResources.create("fake-itop", 1, true);

    FakeItop() {
        server = HttpServer.create()
                .runOn(loops)
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.post("/webservices/rest.php", this::rest))
                .bindNow(Duration.ofSeconds(10));
    }

    String url() {
        return "http://127.0.0.1:" + server.port() + "/";
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    List<Call> calls(String operation) {
        return calls.stream().filter(call -> call.operation().equals(operation)).toList();
    }

    /** The next calls meet these faults, one each, in order. */
    void fail(Fault... next) {
        faults.addAll(Arrays.asList(next));
    }

    /** The next {@code core/create} creates its request, and its answer never arrives (the connection drops). */
    void dropNextCreateAnswer() {
        dropCreateAnswer.set(true);
    }

    /** The account is refused (iTop's code 1, «Invalid login») until {@link #letIn}. */
    void refuseAccount() {
        refusedUsers.add(USER);
    }

    void letIn() {
        refusedUsers.clear();
    }

    /**
     * An iTop 3.1+ that lets the gateway in only by this token ({@code rest-token} in {@code allowed_login_types}, an
     * application token): anything else answers code 1, «Invalid login», as {@code rest.php} does for a token it does
     * not accept.
     */
    void acceptOnlyToken(String token) {
        onlyToken = token;
    }

    /** Every HTTP request that reached it, let in or not. */
    long requests() {
        return requests.get();
    }

    /** The {@code Auth-Token} header of the last request (null when it had none). */
    String lastToken() {
        return lastToken;
    }

    /** Every call answers HTTP 503 (the web server up, iTop behind it not) until {@link #up}. */
    void down() {
        down = true;
    }

    void up() {
        down = false;
    }

    /** Every answer starts this late. */
    void delay(Duration delay) {
        this.delay = delay;
    }

    /** Every answer comes a byte at a time, a byte every 300 ms: each read within any timeout, the whole never. */
    void drip(boolean drip) {
        this.drip = drip;
    }

    /** Every {@code core/get} answer carries this many more bytes (a long field), or none when 0. */
    void pad(int bytes) {
        padding = bytes;
    }

    /** Requests whose title contains the text. */
    List<ObjectNode> ticketsTitled(String part) {
        return tickets.values().stream().filter(t -> t.path("title").asString("").contains(part)).toList();
    }

    ObjectNode ticket(long id) {
        return tickets.get(id);
    }

    /** A request someone registered in iTop by hand; its key. */
    long add(String ref, String status) {
        long id = ids.incrementAndGet();
        ObjectNode ticket = json.createObjectNode().put("id", id).put("ref", ref).put("status", status)
                .put("title", "by hand").put("description", "").put("solution", "");
        tickets.put(id, ticket);
        return id;
    }

    /** The second line resolves the request with this solution (HTML, as iTop keeps it). */
    void resolve(long id, String solutionHtml) {
        tickets.get(id).put("status", "resolved").put("solution", solutionHtml);
    }

    void stop() {
        server.disposeNow(Duration.ofSeconds(5));
        loops.disposeLater().block(Duration.ofSeconds(5));
    }

    private Mono<Void> rest(HttpServerRequest request, HttpServerResponse response) {
        String token = request.requestHeaders().get("Auth-Token");
        requests.incrementAndGet();
        lastToken = token;
        return request.receive()
                .aggregate()
                .asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .delayUntil(body -> Mono.delay(delay))
                .flatMap(body -> {
                    Map<String, String> form = form(body);
                    if (down) {
                        return response.status(HttpResponseStatus.SERVICE_UNAVAILABLE).sendString(Mono.just(
                                "<html><body>Service Unavailable</body></html>")).then();
                    }
                    Fault fault = faults.poll();
                    if (fault == Fault.HTTP_500) {
                        return response.status(HttpResponseStatus.INTERNAL_SERVER_ERROR).sendString(Mono.just(
                                "<html><body>Internal Server Error</body></html>")).then();
                    }
                    if (fault == Fault.HTML_PAGE) {
                        return response.header("Content-Type", "text/html; charset=UTF-8").sendString(Mono.just(
                                "<!DOCTYPE html><html><head><title>iTop login</title></head><body><form>"
                                        + "<input name=\"auth_user\"></form></body></html>")).then();
                    }
                    List<String> version = new QueryStringDecoder(request.uri()).parameters().get("version");
                    ObjectNode answer = answer(version == null ? null : version.get(0), form, token, fault);
                    boolean created = answer.path("code").asInt() == 0 && answer.path("message").isNull();
                    if (created && dropCreateAnswer.compareAndSet(true, false)) {
                        // the request exists now, but its answer never arrives
                        return response.withConnection(Connection::dispose).then();
                    }
                    if (drip) {
                        return response.header("Content-Type", "application/json")
                                .sendString(reactor.core.publisher.Flux.fromArray(answer.toString().split(""))
                                        .delayElements(Duration.ofMillis(300)))
                                .then();
                    }
                    return response.header("Content-Type", "application/json")
                            .sendString(Mono.just(answer.toString()))
                            .then();
                });
    }

    private ObjectNode answer(String version, Map<String, String> form, String token, Fault fault) {
        String user = form.get("auth_user");
        String only = onlyToken;
        if (only != null) {
            if (!only.equals(token)) {
                return error(1, "Error: Invalid login");
            }
            user = null;
        }
        boolean tokenOk = only != null || token != null && token.equals("token-" + USER) && !refusedUsers.contains(USER);
        if (!tokenOk && user == null) {
            return error(5, "Error: Missing parameter 'auth_user'");
        }
        if (!tokenOk && (!USER.equals(user) || !PASSWORD.equals(form.get("auth_pwd")) || refusedUsers.contains(user))) {
            return error(1, "Error: Invalid login");
        }
        String raw = form.get("json_data");
        if (raw == null) {
            return error(3, "Error: Missing parameter 'json_data'");
        }
        JsonNode data;
        try {
            data = json.readTree(raw);
        }
        catch (RuntimeException ex) {
            data = null;
        }
        if (data == null || !data.isObject()) {
            return error(4, "Error: Parameter json_data is not a valid JSON structure");
        }
        String operation = data.path("operation").asString("");
        calls.add(new Call(operation, data, token, Set.copyOf(form.keySet())));
        if (!"1.3".equals(version)) {
            return error(10, "Error: There is no service available for version '" + version + "'");
        }
        if (fault == Fault.INTERNAL_ERROR) {
            return error(100, "Error: MySQL server has gone away");
        }
        try {
            return switch (operation) {
                case "list_operations" -> listOperations();
                case "core/get" -> get(data);
                case "core/create" -> create(data);
                default -> error(11, "Error: Unknown verb '" + operation + "' in version '1.3'");
            };
        }
        catch (IllegalArgumentException ex) {
            return error(100, "Error: " + ex.getMessage());
        }
    }

    private ObjectNode listOperations() {
        ObjectNode answer = json.createObjectNode().put("code", 0).put("message", "Operations: 2").put("version", "1.3");
        answer.putArray("operations").add(json.createObjectNode().put("verb", "core/get"))
                .add(json.createObjectNode().put("verb", "core/create"));
        return answer;
    }

    private ObjectNode get(JsonNode data) {
        String cls = mandatory(data, "class").asString();
        JsonNode key = mandatory(data, "key");
        List<ObjectNode> found;
        if (key.isIntegralNumber()) {
            found = tickets.containsKey(key.asLong()) ? List.of(tickets.get(key.asLong())) : List.of();
        }
        else if (key.isObject()) {
            found = tickets.values().stream().filter(ticket -> matches(ticket, key)).toList();
        }
        else if (key.isString()) {
            Matcher oql = ID_IN.matcher(key.asString());
            if (!oql.matches() || !oql.group(1).equals(cls)) {
                throw new IllegalArgumentException("Query failed to execute (this fake knows only id IN)");
            }
            Set<Long> wanted = Arrays.stream(oql.group(2).split(",")).map(String::strip).map(Long::valueOf)
                    .collect(Collectors.toSet());
            found = tickets.values().stream().filter(t -> wanted.contains(t.path("id").asLong())).toList();
        }
        else {
            throw new IllegalArgumentException("Wrong format for key");
        }
        ObjectNode answer = json.createObjectNode().put("code", 0).put("message", "Found: " + found.size());
        if (padding > 0) {
            answer.put("padding", "x".repeat(padding));
        }
        if (found.isEmpty()) {
            answer.putNull("objects");
            return answer;
        }
        ObjectNode objects = answer.putObject("objects");
        List<String> fields = outputFields(data);
        found.stream().sorted((a, b) -> Long.compare(a.path("id").asLong(), b.path("id").asLong()))
                .forEach(ticket -> objects.set(cls + "::" + ticket.path("id").asLong(), object(cls, ticket, fields, "")));
        return answer;
    }

    private ObjectNode create(JsonNode data) {
        String cls = mandatory(data, "class").asString();
        JsonNode fields = mandatory(data, "fields");
        mandatory(data, "comment");
        for (String required : List.of("org_id", "title", "description")) {
            if (fields.path(required).isMissingNode() || fields.path(required).asString("").isBlank()) {
                throw new IllegalArgumentException("Missing mandatory attribute: " + required);
            }
        }
        long id = ids.incrementAndGet();
        ObjectNode ticket = ((ObjectNode) fields.deepCopy()).put("id", id).put("ref", String.format("R-%06d", id))
                .put("status", "new").put("solution", "");
        tickets.put(id, ticket);
        ObjectNode answer = json.createObjectNode().put("code", 0);
        answer.putNull("message");
        answer.putObject("objects").set(cls + "::" + id, object(cls, ticket, outputFields(data), "created"));
        return answer;
    }

    private ObjectNode object(String cls, ObjectNode ticket, List<String> fields, String message) {
        ObjectNode object = json.createObjectNode().put("code", 0).put("message", message).put("class", cls)
                .put("key", String.valueOf(ticket.path("id").asLong()));
        ObjectNode shown = object.putObject("fields");
        for (String field : fields) {
            shown.set(field, ticket.has(field) ? ticket.get(field) : json.nullNode());
        }
        return object;
    }

    private static boolean matches(ObjectNode ticket, JsonNode criteria) {
        Map<String, String> wanted = new HashMap<>();
        criteria.properties().forEach(entry -> wanted.put(entry.getKey(), entry.getValue().asString("")));
        return wanted.entrySet().stream()
                .allMatch(entry -> ticket.path(entry.getKey()).asString("").equals(entry.getValue()));
    }

    private static List<String> outputFields(JsonNode data) {
        String spec = data.path("output_fields").asString("id,friendlyname");
        List<String> fields = new ArrayList<>();
        for (String field : spec.split(",")) {
            fields.add(field.strip());
        }
        return fields;
    }

    private static JsonNode mandatory(JsonNode data, String name) {
        JsonNode value = data.get(name);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("Missing parameter '" + name + "'");
        }
        return value;
    }

    private ObjectNode error(int code, String message) {
        return json.createObjectNode().put("code", code).put("message", message);
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }
}
