package ru.rosdistant.gateway.card;

/**
 * A portal's logged-in user whose identity the site's server signed (docs/widget.md, "Identity
 * verification"): proven, so it binds the dialog to that user's card. {@code email} and {@code name} may be null.
 */
public record PortalIdentity(String siteId, String userId, String email, String name) {

    /** How the user is kept on the card: user ids are unique per site only. */
    public String portalId() {
        return siteId + ":" + userId;
    }
}
