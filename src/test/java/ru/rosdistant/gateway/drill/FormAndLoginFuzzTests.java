package ru.rosdistant.gateway.drill;

import java.util.List;

import org.junit.jupiter.api.Test;

/** 40,000 of the REST fuzz drill's 100,000 bodies: the offline form and the login (see RestFuzz). */
class FormAndLoginFuzzTests extends RestFuzz {

    @Test
    void fortyThousandHostileFormAndLoginBodiesGetNo5xxAndLeaveNoPartialRow() throws Exception {
        fuzz(List.of(Target.FORM, Target.LOGIN), 40_000, 20261128L);
    }
}
