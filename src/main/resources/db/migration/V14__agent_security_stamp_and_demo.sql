-- security_stamp: bumped when an agent is disabled or enabled or their password changes. A console session keeps the
-- stamp it logged in with and counts only while it is the agent's current one, on every node and after a restart.
ALTER TABLE agent ADD COLUMN security_stamp bigint NOT NULL DEFAULT 0;
ALTER TABLE agent_session ADD COLUMN security_stamp bigint NOT NULL DEFAULT 0;

-- demo: seeded by the demo profile with a public password; disabled at a start without that profile, until an
-- administrator gives the agent a password of their own. The demo agents of data folders from before are recognised
-- by their login and display name (application-demo.yml).
ALTER TABLE agent ADD COLUMN demo boolean NOT NULL DEFAULT false;
UPDATE agent SET demo = true
WHERE (login, display_name) IN (('anna', 'Анна Смирнова'), ('boris', 'Борис Кузнецов'), ('vera', 'Вера Павлова'),
        ('gleb', 'Глеб Орлов'), ('dina', 'Дина Соколова'), ('egor', 'Егор Волков'), ('zoya', 'Зоя Морозова'));
