package ru.rosdistant.gateway.system;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import reactor.core.publisher.Mono;

import org.springframework.core.io.Resource;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * The method and path of every route of a {@link RouterFunction} (the widget's, the messengers' webhooks, the
 * console's {@code /api/me}), read with Spring's route visitors, so that the OpenAPI document lists them beside
 * the annotated controllers. A route without a method predicate is listed as GET.
 */
final class FunctionalRoutes {

    /** One route: its HTTP method and path pattern. */
    record Route(HttpMethod method, String path) {
    }

    private FunctionalRoutes() {
    }

    static List<Route> of(RouterFunction<?> function) {
        List<Route> routes = new ArrayList<>();
        Deque<String> prefixes = new ArrayDeque<>();
        function.accept(new RouterFunctions.Visitor() {

            @Override
            public void startNested(RequestPredicate predicate) {
                Predicates nested = new Predicates();
                predicate.accept(nested);
                prefixes.push(nested.routes(HttpMethod.GET).stream().map(Route::path).findFirst().orElse(""));
            }

            @Override
            public void endNested(RequestPredicate predicate) {
                prefixes.pop();
            }

            @Override
            public void route(RequestPredicate predicate, HandlerFunction<?> handler) {
                Predicates found = new Predicates();
                predicate.accept(found);
                StringBuilder prefix = new StringBuilder();
                prefixes.descendingIterator().forEachRemaining(prefix::append);
                found.routes(HttpMethod.GET).forEach(route -> routes.add(new Route(route.method(),
                        prefix + route.path())));
            }

            @Override
            public void resources(Function<ServerRequest, Mono<Resource>> lookup) {
            }

            @Override
            public void attributes(Map<String, Object> attributes) {
            }

            @Override
            public void unknown(RouterFunction<?> routerFunction) {
            }
        });
        return routes;
    }

    /** Pairs each path of a predicate with the methods next to it in the same branch. */
    private static final class Predicates implements RequestPredicates.Visitor {

        private final List<Route> routes = new ArrayList<>();

        private final List<String> pending = new ArrayList<>();

        private Set<HttpMethod> methods;

        List<Route> routes(HttpMethod otherwise) {
            pending.forEach(path -> routes.add(new Route(otherwise, path)));
            pending.clear();
            return routes;
        }

        @Override
        public void method(Set<HttpMethod> methods) {
            this.methods = methods;
            pending.forEach(path -> methods.forEach(method -> routes.add(new Route(method, path))));
            pending.clear();
        }

        @Override
        public void path(String pattern) {
            if (methods == null) {
                pending.add(pattern);
            }
            else {
                methods.forEach(method -> routes.add(new Route(method, pattern)));
            }
        }

        @Override
        public void or() {
            routes(HttpMethod.GET);
            methods = null;
        }

        @Override
        public void pathExtension(String extension) {
        }

        @Override
        public void header(String name, String value) {
        }

        @Override
        public void queryParam(String name, String value) {
        }

        @Override
        public void version(String version) {
        }

        @Override
        public void startAnd() {
        }

        @Override
        public void and() {
        }

        @Override
        public void endAnd() {
        }

        @Override
        public void startOr() {
        }

        @Override
        public void endOr() {
        }

        @Override
        public void startNegate() {
        }

        @Override
        public void endNegate() {
        }

        @Override
        public void unknown(RequestPredicate predicate) {
        }
    }
}
