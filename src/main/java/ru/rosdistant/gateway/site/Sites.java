package ru.rosdistant.gateway.site;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.stereotype.Component;

/** The configured sites and lines, and the Origin rule for the widget. */
@Component
public class Sites {

    private final Map<String, Site> sites = new LinkedHashMap<>();

    private final Map<String, Line> lines = new LinkedHashMap<>();

    Sites(SiteProperties properties) {
        properties.lines().forEach(line -> lines.put(line.id(), line));
        for (Site site : properties.sites()) {
            if (!lines.containsKey(site.line())) {
                throw new IllegalStateException(
                        "gateway.site.sites[" + site.id() + "].line names an unknown line '" + site.line() + "'");
            }
            sites.put(site.id(), site);
        }
    }

    public Optional<Site> site(String id) {
        return Optional.ofNullable(id).map(sites::get);
    }

    public List<Site> all() {
        return List.copyOf(sites.values());
    }

    public Optional<Line> line(String id) {
        return Optional.ofNullable(id).map(lines::get);
    }

    public List<Line> lines() {
        return List.copyOf(lines.values());
    }

    /**
     * An Origin may open the widget of a site when the site lists it, or when it is the gateway's own
     * origin (the demo pages are served by the gateway itself).
     */
    public boolean originAllowed(Site site, String origin, URI request) {
        if (origin == null) {
            return false;
        }
        if (site.allowedOrigins().stream().anyMatch(allowed -> allowed.equalsIgnoreCase(origin))) {
            return true;
        }
        return isSameOrigin(origin, request);
    }

    /** Whether the Origin header names the host and port this request was sent to. */
    public static boolean isSameOrigin(String origin, URI request) {
        if (origin == null || request == null || request.getHost() == null) {
            return false;
        }
        try {
            URI uri = URI.create(origin);
            return uri.getHost() != null && uri.getHost().equalsIgnoreCase(request.getHost())
                    && effectivePort(uri) == effectivePort(request);
        }
        catch (IllegalArgumentException ex) {
            return false;
        }
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
        return scheme.equals("https") || scheme.equals("wss") ? 443 : 80;
    }
}
