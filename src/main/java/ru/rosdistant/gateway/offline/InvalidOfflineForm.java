package ru.rosdistant.gateway.offline;

import java.util.Map;

/** The form has field errors: field name → what is wrong, in words for the visitor. */
class InvalidOfflineForm extends RuntimeException {

    private final Map<String, String> errors;

    InvalidOfflineForm(Map<String, String> errors) {
        super("The offline form has errors in " + errors.keySet());
        this.errors = Map.copyOf(errors);
    }

    Map<String, String> errors() {
        return errors;
    }
}
