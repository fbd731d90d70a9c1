"""psbot core: settings, database, domain logic, scheduler, app factory and CLI."""
