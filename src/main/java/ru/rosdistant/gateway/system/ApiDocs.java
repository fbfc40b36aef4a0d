package ru.rosdistant.gateway.system;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import reactor.core.scheduler.Schedulers;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.PathParameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.server.WebFilter;

/**
 * The OpenAPI 3 document of the REST API ({@code /v3/api-docs}, Swagger UI at {@code /swagger-ui.html}; both need a
 * login like the rest of the staff API). Every operation says who may call it, as the extension {@code x-roles}
 * and in its description: the roles of its {@code @PreAuthorize}, else those the security rules give its path
 * ({@link WebSecurity}): {@code PUBLIC}, {@code STAFF} (any logged-in member of staff), or role names.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocs {

    /** The extension naming who may call an operation. */
    static final String ROLES = "x-roles";

    private static final Pattern ROLE = Pattern.compile("'([A-Z_]+)'");

    private static final Pattern VARIABLE = Pattern.compile("\\{(\\w+)[^}]*}");

    /** The path rules of {@link WebSecurity}, in its order: the first that matches decides. */
    private static final Map<String, List<String>> PATH_ROLES = rules();

    private static final AntPathMatcher PATHS = new AntPathMatcher();

    @Bean
    OpenAPI gatewayApi() {
        return new OpenAPI()
                .info(new Info().title("contact-gateway REST API")
                        .version("1")
                        .description("The staff console's REST API, the widget's and the offline form's public doors, "
                                + "and the messengers' webhooks. The WebSocket protocols are docs/asyncapi.yaml. "
                                + "Errors are RFC 9457 problem details. x-roles says who may call each operation."))
                .components(new Components()
                        .addSecuritySchemes("session", new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.COOKIE)
                                .name("SESSION")
                                .description("the console's session cookie, from POST /login"))
                        .addSecuritySchemes("basic", new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("basic")));
    }

    /**
     * springdoc builds the document when asked for a locale it has not cached, scanning the class path: the
     * document's requests (after the security check) run on {@code boundedElastic}, never on an event loop.
     */
    @Bean
    WebFilter apiDocsOffTheEventLoop() {
        return (exchange, chain) -> {
            String path = exchange.getRequest().getPath().pathWithinApplication().value();
            return path.startsWith("/v3/api-docs") ? chain.filter(exchange).subscribeOn(Schedulers.boundedElastic())
                    : chain.filter(exchange);
        };
    }

    /** The roles of the handler's {@code @PreAuthorize}, when it has one that names roles. */
    @Bean
    OperationCustomizer rolesFromAnnotations() {
        return (operation, handler) -> {
            PreAuthorize rule = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), PreAuthorize.class);
            if (rule == null) {
                rule = AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), PreAuthorize.class);
            }
            if (rule != null) {
                List<String> roles = roles(rule.value());
                if (!roles.isEmpty()) {
                    operation.addExtension(ROLES, roles);
                }
            }
            return operation;
        };
    }

    /**
     * A list's paging, said by its parameters (docs/protocol.md "Lists", {@code web.Paging}): every operation with a
     * {@code limit} answers the limit applied in {@code X-Limit}; one that also takes an {@code offset} pages by
     * offset and always answers {@code X-Offset} (0 when none was asked) and {@code X-Total-Count}; one without an
     * {@code offset} serves its first page only and sends no {@code X-Offset}.
     */
    @Bean
    OperationCustomizer pagingHeaders() {
        return (operation, handler) -> {
            Set<String> names = new LinkedHashSet<>();
            if (operation.getParameters() != null) {
                operation.getParameters().forEach(parameter -> names.add(parameter.getName()));
            }
            if (!names.contains("limit") || operation.getResponses() == null) {
                return operation;
            }
            ApiResponse ok = operation.getResponses().computeIfAbsent("200", code -> new ApiResponse()
                    .description("OK"));
            ok.addHeaderObject("X-Limit", header("the limit applied: the one asked for, clamped into the list's "
                    + "bounds (below 1 is 1, above its largest page is that page)"));
            operation.getParameters().forEach(parameter -> {
                if (parameter.getName().equals("limit")) {
                    parameter.description("the page size; clamped into the list's bounds, the one applied in X-Limit");
                }
                if (parameter.getName().equals("offset")) {
                    parameter.description("where the page starts: 0 (the default) to 10000, else 400");
                }
            });
            if (names.contains("offset")) {
                ok.addHeaderObject("X-Offset", header("where the page starts, always sent: 0 when the request gave "
                        + "no offset"));
                ok.addHeaderObject("X-Total-Count", header("the count of the whole list"));
            }
            return operation;
        };
    }

    private static io.swagger.v3.oas.models.headers.Header header(String description) {
        return new io.swagger.v3.oas.models.headers.Header().description(description)
                .schema(new io.swagger.v3.oas.models.media.IntegerSchema());
    }

    /** Operations without a role rule of their own get their path's; each description then names the roles. */
    @Bean
    OpenApiCustomizer rolesFromPaths(List<RouterFunction<?>> functions) {
        return api -> {
            if (api.getPaths() == null) {
                api.setPaths(new Paths());
            }
            functions.stream()
                    .flatMap(function -> FunctionalRoutes.of(function).stream())
                    .filter(route -> route.path().startsWith("/api/") || route.path().startsWith("/channel/"))
                    .forEach(route -> addRoute(api, route));
            api.getPaths().forEach((path, item) -> item.readOperations().forEach(operation -> {
                if (operation.getExtensions() == null || !operation.getExtensions().containsKey(ROLES)) {
                    operation.addExtension(ROLES, pathRoles(path));
                }
                describe(operation);
            }));
        };
    }

    /** A functional route springdoc does not see: its path, path variables and a pointer to its description. */
    private static void addRoute(OpenAPI api, FunctionalRoutes.Route route) {
        PathItem item = api.getPaths().computeIfAbsent(route.path(), path -> new PathItem());
        Operation operation = new Operation()
                .summary(route.method() + " " + route.path())
                .description("Described in docs/protocol.md (or docs/messengers.md for a webhook).")
                .responses(new ApiResponses().addApiResponse("default", new ApiResponse()
                        .description("see the description")));
        Matcher variable = VARIABLE.matcher(route.path());
        while (variable.find()) {
            operation.addParametersItem(new PathParameter().name(variable.group(1)).schema(new StringSchema()));
        }
        if (item.readOperationsMap().get(PathItem.HttpMethod.valueOf(route.method().name())) == null) {
            item.operation(PathItem.HttpMethod.valueOf(route.method().name()), operation);
        }
    }

    static List<String> roles(String expression) {
        if (expression.contains("isAuthenticated()")) {
            return List.of("STAFF");
        }
        Set<String> roles = new LinkedHashSet<>();
        Matcher matcher = ROLE.matcher(expression);
        while (matcher.find()) {
            roles.add(matcher.group(1));
        }
        return List.copyOf(roles);
    }

    static List<String> pathRoles(String path) {
        return PATH_ROLES.entrySet()
                .stream()
                .filter(rule -> PATHS.match(rule.getKey(), path))
                .findFirst()
                .map(Map.Entry::getValue)
                .orElse(List.of("STAFF"));
    }

    @SuppressWarnings("unchecked")
    private static void describe(Operation operation) {
        List<String> roles = (List<String>) operation.getExtensions().get(ROLES);
        String who = roles.contains("PUBLIC") ? "Public." : "Roles: " + String.join(", ", roles) + ".";
        operation.setDescription(operation.getDescription() == null ? who : operation.getDescription() + " " + who);
        if (!roles.contains("PUBLIC")) {
            operation.setSecurity(List.of(new SecurityRequirement().addList("session"),
                    new SecurityRequirement().addList("basic")));
        }
    }

    /** The path rules of {@link WebSecurity}, and the messengers' webhooks, open in a chain of their own. */
    private static Map<String, List<String>> rules() {
        Map<String, List<String>> rules = new java.util.LinkedHashMap<>();
        // channel.ChannelSecurity: each webhook authenticates the platform itself (secret token or body signature)
        rules.put("/channel/**", List.of("PUBLIC"));
        for (String open : WebSecurity.PUBLIC_PATHS) {
            rules.putIfAbsent(open, List.of("PUBLIC"));
        }
        for (WebSecurity.RoleRule rule : WebSecurity.ROLE_RULES) {
            for (String path : rule.paths()) {
                rules.putIfAbsent(path, new ArrayList<>(rule.roles()));
            }
        }
        return rules;
    }
}
