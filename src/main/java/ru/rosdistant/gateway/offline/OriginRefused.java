package ru.rosdistant.gateway.offline;

/** The page that posted the form is not one of the site's (or the Origin is missing where it is required). */
class OriginRefused extends RuntimeException {

    OriginRefused(String siteId, String origin) {
        super(origin == null ? "Requests for site '" + siteId + "' must come from one of its pages (no Origin)"
                : "Origin " + origin + " may not post forms of site '" + siteId + "'");
    }
}
