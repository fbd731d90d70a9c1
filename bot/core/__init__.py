"""What every layer uses: settings (the only reader of the environment), the app context,
dates and business days, errors, Slack ids, authorization and value parsers."""
