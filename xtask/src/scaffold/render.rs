//! Fills the templates' placeholders: `{{name}}` values, and `{{#section}}...{{/section}}`
//! blocks kept or dropped (`example` without `--openapi`, `openapi` with it).

use super::{Auth, Names, Options};

/// A template with its placeholders filled and its sections kept or dropped.
pub(super) fn render(template: &str, n: &Names, options: &Options) -> String {
    let (auth_method, auth_doc_example, auth_from_env, auth_settings, auth_test_builder, auth_test_header, auth_docs) = match options.auth {
        Auth::Header | Auth::Bearer => {
            let (ctor, header) = if options.auth == Auth::Header {
                ("raw", "tok-123")
            } else {
                ("bearer", "Bearer tok-123")
            };
            (
                format!(
                    "    /// Authenticates with an API token.\n    pub fn api_token(mut self, token: impl Into<String>) -> Self {{\n        self.auth = Some(Arc::new(StaticToken::{ctor}(token)));\n        self\n    }}\n"
                ),
                ".api_token(\"...\")".to_owned(),
                format!("        builder = builder.api_token(env.require(\"{0}_API_TOKEN\", \"the API token\")?);\n", n.upper),
                format!("        .setting(Setting {{\n            name: \"{0}_API_TOKEN\",\n            aliases: &[],\n            secret: true,\n            description: \"The API token.\",\n        }})\n", n.upper),
                ".api_token(\"tok-123\")".to_owned(),
                header.to_owned(),
                "An API token, sent in the `Authorization` header.".to_owned(),
            )
        }
        Auth::Basic => (
            "    /// Authenticates with a user name and password (HTTP Basic).\n    pub fn basic(mut self, user: &str, password: impl Into<String>) -> Self {\n        self.auth = Some(Arc::new(StaticToken::basic(user, password)));\n        self\n    }\n".to_owned(),
            ".basic(\"user\", \"...\")".to_owned(),
            format!("        builder = builder.basic(\n            env.require(\"{0}_USERNAME\", \"the user name\")?,\n            env.require(\"{0}_PASSWORD\", \"the password\")?,\n        );\n", n.upper),
            format!("        .setting(Setting {{\n            name: \"{0}_USERNAME\",\n            aliases: &[],\n            secret: false,\n            description: \"The user name.\",\n        }})\n        .setting(Setting {{\n            name: \"{0}_PASSWORD\",\n            aliases: &[],\n            secret: true,\n            description: \"The password.\",\n        }})\n", n.upper),
            ".basic(\"user\", \"tok-123\")".to_owned(),
            "Basic dXNlcjp0b2stMTIz".to_owned(),
            "HTTP Basic with a user name and password.".to_owned(),
        ),
        Auth::OAuthClientCredentials => (
            "    /// Authenticates with OAuth 2.0 client credentials (`client_secret_post`).\n    pub fn client_credentials(\n        mut self,\n        token_url: &str,\n        client_id: &str,\n        client_secret: impl Into<String>,\n        scopes: &[&str],\n    ) -> Result<Self> {\n        let source = ClientCredentials::new(\n            token_url,\n            client_id,\n            scopes.iter().copied(),\n            ClientAuth::Secret(SecretString::from(client_secret.into())),\n        )?;\n        self.auth = Some(Arc::new(source));\n        Ok(self)\n    }\n".to_owned(),
            ".client_credentials(\"https://auth.example.com/token\", \"client\", \"...\", &[\"read\"])?".to_owned(),
            format!("        let scopes: Vec<&str> = env.get(\"{0}_SCOPES\").unwrap_or(\"\").split_whitespace().collect();\n        builder = builder.client_credentials(\n            env.require(\"{0}_TOKEN_URL\", \"the OAuth token URL\")?,\n            env.require(\"{0}_CLIENT_ID\", \"the OAuth client id\")?,\n            env.require(\"{0}_CLIENT_SECRET\", \"the OAuth client secret\")?,\n            &scopes,\n        )?;\n", n.upper),
            format!("        .setting(Setting {{\n            name: \"{0}_TOKEN_URL\",\n            aliases: &[],\n            secret: false,\n            description: \"The OAuth 2.0 token URL.\",\n        }})\n        .setting(Setting {{\n            name: \"{0}_CLIENT_ID\",\n            aliases: &[],\n            secret: false,\n            description: \"The OAuth client id.\",\n        }})\n        .setting(Setting {{\n            name: \"{0}_CLIENT_SECRET\",\n            aliases: &[],\n            secret: true,\n            description: \"The OAuth client secret.\",\n        }})\n        .setting(Setting {{\n            name: \"{0}_SCOPES\",\n            aliases: &[],\n            secret: false,\n            description: \"Space-separated scopes (optional).\",\n        }})\n", n.upper),
            "\n        .client_credentials(token_url, \"client\", \"s3cret\", &[\"read\"])\n        .unwrap()".to_owned(),
            "Bearer tok-123".to_owned(),
            "OAuth 2.0 client credentials: the token is fetched, cached and refreshed before it expires.".to_owned(),
        ),
    };
    let imports = match options.auth {
        Auth::OAuthClientCredentials => {
            "use connector_core::secrecy::SecretString;\nuse connector_core::auth::ClientAuth;\nuse connector_core::ClientCredentials;\n"
        }
        _ => "use connector_core::StaticToken;\n",
    };
    let template = sections(template, "example", options.openapi.is_none());
    let template = sections(&template, "openapi", options.openapi.is_some());
    let generated = options.openapi.iter().flat_map(|o| &o.actions);
    let openapi_actions: String = generated
        .clone()
        .map(|a| format!("- `{}`: {} (generated).\n", a.id, a.name))
        .collect();
    let openapi_table: String = generated
        .map(|a| format!("    .action(generated::actions::{}())\n", a.function))
        .collect();
    template
        .replace("{{openapi_actions}}", &openapi_actions)
        .replace("{{openapi_table}}", &openapi_table)
        .replace("{{id}}", &n.id)
        .replace("{{snake}}", &n.snake)
        .replace("{{Pascal}}", &n.pascal)
        .replace("{{UPPER}}", &n.upper)
        .replace("{{Title}}", &n.title)
        .replace("{{base_url}}", &options.base_url)
        .replace("{{auth_imports}}", imports)
        .replace("{{auth_method}}", &auth_method)
        .replace("{{auth_doc_example}}", &auth_doc_example)
        .replace("{{auth_from_env}}", &auth_from_env)
        .replace("{{auth_settings}}", &auth_settings)
        .replace("{{auth_test_builder}}", &auth_test_builder)
        .replace("{{auth_test_header}}", &auth_test_header)
        .replace("{{auth_docs}}", &auth_docs)
        .replace(
            "{{oauth}}",
            if options.auth == Auth::OAuthClientCredentials {
                "true"
            } else {
                "false"
            },
        )
}

/// Keeps the `{{#name}}...{{/name}}` sections of a template (without the markers), or drops them.
fn sections(template: &str, name: &str, keep: bool) -> String {
    let (open, close) = (format!("{{{{#{name}}}}}"), format!("{{{{/{name}}}}}"));
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find(&open) {
        out.push_str(&rest[..start]);
        let inner = &rest[start + open.len()..];
        let end = inner.find(&close).unwrap_or(inner.len());
        if keep {
            out.push_str(&inner[..end]);
        }
        rest = &inner[(end + close.len()).min(inner.len())..];
    }
    out.push_str(rest);
    out
}
