package ru.rosdistant.gateway.offline;

import java.util.Locale;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import ru.rosdistant.gateway.site.Site;
import ru.rosdistant.gateway.web.ClientAddress;
import ru.rosdistant.gateway.site.Sites;

/**
 * {@code POST /api/offline-forms}: the offline form of the widget (regulation 4.3), public. In order: the
 * client address's rate limit (429), the page's Origin against the site's (403), the fields (400), then
 * the form is stored and acknowledged (201). A request without an Origin comes from a server, not a
 * browser page, and is accepted unless {@code gateway.offline.allow-without-origin} is false.
 */
@RestController
class OfflineFormController {

    static final String PATH = "/api/offline-forms";

    private final Sites sites;

    private final OfflineForms forms;

    private final OfflineFormValidation validation;

    private final PhoneNumbers phones;

    private final ClientRateLimiter limiter;

    private final OfflineProperties properties;

    OfflineFormController(Sites sites, OfflineForms forms, OfflineFormValidation validation, PhoneNumbers phones,
            ClientRateLimiter limiter, OfflineProperties properties, tools.jackson.databind.json.JsonMapper json) {
        // the JSON decoder builds its deserializer for the form on first use, under a lock: build it now, so
        // the first forms arriving together do not wait on an event loop (BlockHound caught it when fuzzing)
        json.readerFor(OfflineFormRequest.class);
        this.sites = sites;
        this.forms = forms;
        this.validation = validation;
        this.phones = phones;
        this.limiter = limiter;
        this.properties = properties;
    }

    @PostMapping(PATH)
    Mono<ResponseEntity<OfflineFormReceipt>> submit(@RequestBody Mono<OfflineFormRequest> body,
            ServerHttpRequest request) {
        return rateLimit(request)
                .then(body)
                .doOnNext(form -> checkOrigin(form, request))
                .map(validation::check)
                .map(this::normalised)
                .flatMap(forms::submit)
                .map(receipt -> ResponseEntity.status(HttpStatus.CREATED).body(receipt));
    }

    private Mono<Void> rateLimit(ServerHttpRequest request) {
        return limiter.tryAcquire(ClientAddress.of(request))
                .flatMap(Mono::justOrEmpty)
                .flatMap(wait -> Mono.error(new TooManyForms(wait)));
    }

    /** Only for a known site: an unknown one is a field error, reported with the others. */
    private void checkOrigin(OfflineFormRequest form, ServerHttpRequest request) {
        String origin = request.getHeaders().getFirst(HttpHeaders.ORIGIN);
        sites.site(form.site())
                .filter(site -> !originAccepted(site, origin, request))
                .ifPresent(site -> {
                    throw new OriginRefused(site.id(), origin);
                });
    }

    private boolean originAccepted(Site site, String origin, ServerHttpRequest request) {
        if (origin == null) {
            return properties.allowWithoutOrigin();
        }
        return sites.originAllowed(site, origin, request.getURI());
    }

    private OfflineForm normalised(OfflineFormRequest form) {
        return new OfflineForm(sites.site(form.site()).orElseThrow(), form.name().strip(), blankToNull(form.email()),
                phones.e164(form.phone()).orElse(null), form.question().strip(), uuidOrNull(form.dialogId()),
                blankToNull(form.visitorToken()), blankToNull(form.clientFormId()));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static UUID uuidOrNull(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return UUID.fromString(value.strip().toLowerCase(Locale.ROOT));
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
    }
}
