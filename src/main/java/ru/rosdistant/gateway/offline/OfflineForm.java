package ru.rosdistant.gateway.offline;

import java.util.UUID;

import ru.rosdistant.gateway.site.Site;

/**
 * A valid form, normalised: blanks are nulls, the phone is E.164, the dialog id parsed (null when it was
 * not a UUID; it is only used when the visitor's token proves the dialog theirs).
 */
record OfflineForm(Site site, String name, String email, String phone, String question, UUID dialogId,
        String visitorToken, String clientFormId) {
}
