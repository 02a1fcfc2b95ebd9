//! The boards service's (monday.com) GraphQL SDL: document validation and subset checks.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use apollo_compiler::ast::{self, OperationType};
use apollo_compiler::schema::{ExtendedType, FieldDefinition, InputValueDefinition};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};

/// Scalars and directives every GraphQL schema has; an emulator's SDL may print them.
const BUILT_IN_SCALARS: &[&str] = &["String", "Int", "Float", "Boolean", "ID"];
const BUILT_IN_DIRECTIVES: &[&str] = &["skip", "include", "deprecated", "specifiedBy", "oneOf"];

/// The boards service's SDL for an API version (`"2026-10"` or `"2026-07"`: the file
/// `monday-schema-{version}.graphql`), parsed and validated once and cached for the
/// process, or `None` (after one line on stderr) when the file is absent.
///
/// Panics if `version` is not of the form `YYYY-MM`, or if the file exists but is not a
/// valid schema.
pub fn boards_schema(version: &str) -> Option<&'static BoardsSchema> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<&'static BoardsSchema>>>> = OnceLock::new();
    let well_formed = version.len() == 7
        && version
            .char_indices()
            .all(|(i, c)| if i == 4 { c == '-' } else { c.is_ascii_digit() });
    assert!(
        well_formed,
        "boards API version must look like 2026-10, not {version:?}"
    );
    let mut cache = CACHE
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *cache
        .entry(version.to_owned())
        .or_insert_with(|| BoardsSchema::load(version).map(|schema| &*Box::leak(Box::new(schema))))
}

/// One API version of the boards service's GraphQL schema.
pub struct BoardsSchema {
    version: String,
    schema: Valid<Schema>,
}

impl std::fmt::Debug for BoardsSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoardsSchema")
            .field("version", &self.version)
            .field("types", &self.schema.types.len())
            .finish_non_exhaustive()
    }
}

impl BoardsSchema {
    fn load(version: &str) -> Option<Self> {
        let name = format!("monday-schema-{version}.graphql");
        let path = crate::spec_file(&name)?;
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let schema = Schema::parse_and_validate(text, &name)
            .unwrap_or_else(|e| panic!("{} is not a valid schema:\n{}", path.display(), e.errors));
        Some(Self {
            version: version.to_owned(),
            schema,
        })
    }

    /// The API version this schema describes (e.g. `"2026-10"`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The parsed, validated schema, for checks this crate does not offer.
    pub fn schema(&self) -> &Valid<Schema> {
        &self.schema
    }

    /// Validates an executable GraphQL document (queries, mutations, fragments, with their
    /// variable definitions) against this version.
    ///
    /// # Errors
    ///
    /// The compiler's diagnostics, as text naming the version.
    pub fn validate_document(&self, document: &str) -> Result<(), String> {
        ExecutableDocument::parse_and_validate(&self.schema, document, "document.graphql")
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "document is not valid against boards API {}:\n{}",
                    self.version, e.errors
                )
            })
    }

    /// Checks that every object, interface, input, enum, union and scalar type in `sdl` (a
    /// smaller schema, e.g. an emulator's), with each field, argument, input field and
    /// enum value, exists in this schema with the same name and the same type (including
    /// non-null and list wrappers). The root operation types map onto this schema's
    /// (`Query`/`Mutation`, whatever the subset names them). Arguments and input fields
    /// that this schema requires (non-null without a default) must be present too.
    ///
    /// Built-in scalar and directive definitions in `sdl` are ignored.
    ///
    /// # Errors
    ///
    /// Every mismatch, one message each (or the subset's parse errors).
    pub fn check_subset(&self, sdl: &str) -> Result<(), Vec<String>> {
        let subset = parse_subset(sdl)?;
        let full = &*self.schema;
        let mut roots: HashMap<String, String> = HashMap::new();
        for kind in [
            OperationType::Query,
            OperationType::Mutation,
            OperationType::Subscription,
        ] {
            if let (Some(sub), Some(full_name)) =
                (subset.root_operation(kind), full.root_operation(kind))
            {
                roots.insert(sub.to_string(), full_name.to_string());
            }
        }
        let checker = Checker {
            full,
            roots,
            version: &self.version,
            errors: Vec::new(),
        };
        checker.run(&subset)
    }
}

fn parse_subset(sdl: &str) -> Result<Schema, Vec<String>> {
    let mut doc = ast::Document::parse(sdl, "subset.graphql")
        .map_err(|e| vec![format!("the subset SDL does not parse:\n{}", e.errors)])?;
    doc.definitions.retain(|def| match def {
        ast::Definition::ScalarTypeDefinition(s) => !BUILT_IN_SCALARS.contains(&s.name.as_str()),
        ast::Definition::DirectiveDefinition(d) => !BUILT_IN_DIRECTIVES.contains(&d.name.as_str()),
        other => !other.name().is_some_and(|n| n.as_str().starts_with("__")),
    });
    Schema::builder()
        .add_ast(&doc)
        .build()
        .map_err(|e| vec![format!("the subset SDL is not a schema:\n{}", e.errors)])
}

struct Checker<'a> {
    full: &'a Schema,
    /// Subset root type name -> this schema's root type name.
    roots: HashMap<String, String>,
    version: &'a str,
    errors: Vec<String>,
}

impl Checker<'_> {
    fn run(mut self, subset: &Schema) -> Result<(), Vec<String>> {
        for (name, ty) in &subset.types {
            if ty.is_built_in() {
                continue;
            }
            let full_name = self.map_name(name.as_str());
            let Some(full_ty) = self.full.types.get(full_name.as_str()) else {
                self.error(format!("type `{name}` does not exist"));
                continue;
            };
            if kind(ty) != kind(full_ty) {
                self.error(format!(
                    "`{name}` is {} in the subset but {}",
                    kind(ty),
                    kind(full_ty)
                ));
                continue;
            }
            match (ty, full_ty) {
                (ExtendedType::Object(sub), ExtendedType::Object(full)) => {
                    self.fields(name.as_str(), &sub.fields, &full.fields);
                }
                (ExtendedType::Interface(sub), ExtendedType::Interface(full)) => {
                    self.fields(name.as_str(), &sub.fields, &full.fields);
                }
                (ExtendedType::InputObject(sub), ExtendedType::InputObject(full)) => {
                    let sub_fields: Vec<&InputValueDefinition> =
                        sub.fields.values().map(|f| &***f).collect();
                    let full_fields: Vec<&InputValueDefinition> =
                        full.fields.values().map(|f| &***f).collect();
                    self.inputs(name.as_str(), "input field", &sub_fields, &full_fields);
                }
                (ExtendedType::Enum(sub), ExtendedType::Enum(full)) => {
                    for value in sub.values.keys() {
                        if !full.values.contains_key(value) {
                            self.error(format!("enum value `{name}.{value}` does not exist"));
                        }
                    }
                }
                (ExtendedType::Union(sub), ExtendedType::Union(full)) => {
                    for member in &sub.members {
                        let mapped = self.map_name(member.name.as_str());
                        if !full.members.iter().any(|m| m.name == mapped.as_str()) {
                            self.error(format!("`{member}` is not a member of union `{name}`"));
                        }
                    }
                }
                _ => {}
            }
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    fn error(&mut self, message: String) {
        self.errors
            .push(format!("{message} (boards API {})", self.version));
    }

    fn map_name(&self, name: &str) -> String {
        self.roots
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }

    /// A type reference with the subset's root type names mapped.
    fn mapped(&self, ty: &ast::Type) -> String {
        match ty {
            ast::Type::Named(n) => self.map_name(n.as_str()),
            ast::Type::NonNullNamed(n) => format!("{}!", self.map_name(n.as_str())),
            ast::Type::List(inner) => format!("[{}]", self.mapped(inner)),
            ast::Type::NonNullList(inner) => format!("[{}]!", self.mapped(inner)),
        }
    }

    fn fields(&mut self, owner: &str, sub: &Fields, full: &Fields) {
        for field in sub.values() {
            let Some(full_field) = full.get(field.name.as_str()) else {
                self.error(format!("field `{owner}.{}` does not exist", field.name));
                continue;
            };
            let (ours, theirs) = (self.mapped(&field.ty), full_field.ty.to_string());
            if ours != theirs {
                self.error(format!(
                    "field `{owner}.{}` has type `{ours}` in the subset but `{theirs}`",
                    field.name
                ));
            }
            let sub_args: Vec<&InputValueDefinition> =
                field.arguments.iter().map(|a| &**a).collect();
            let full_args: Vec<&InputValueDefinition> =
                full_field.arguments.iter().map(|a| &**a).collect();
            let place = format!("{owner}.{}", field.name);
            self.inputs(&place, "argument", &sub_args, &full_args);
        }
    }

    fn inputs(
        &mut self,
        owner: &str,
        what: &str,
        sub: &[&InputValueDefinition],
        full: &[&InputValueDefinition],
    ) {
        for input in sub {
            let Some(theirs) = full.iter().find(|f| f.name == input.name) else {
                self.error(format!("{what} `{owner}({}:)` does not exist", input.name));
                continue;
            };
            let (ours, theirs) = (self.mapped(&input.ty), theirs.ty.to_string());
            if ours != theirs {
                self.error(format!(
                    "{what} `{owner}({}:)` has type `{ours}` in the subset but `{theirs}`",
                    input.name
                ));
            }
        }
        for required in full
            .iter()
            .filter(|f| f.ty.is_non_null() && f.default_value.is_none())
        {
            if !sub.iter().any(|s| s.name == required.name) {
                self.error(format!(
                    "{what} `{owner}({}:)` is required (`{}`) but missing from the subset",
                    required.name, required.ty
                ));
            }
        }
    }
}

/// The fields of an object or interface type.
type Fields = apollo_compiler::collections::IndexMap<
    apollo_compiler::Name,
    apollo_compiler::schema::Component<FieldDefinition>,
>;

fn kind(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "a scalar",
        ExtendedType::Object(_) => "an object type",
        ExtendedType::Interface(_) => "an interface",
        ExtendedType::Union(_) => "a union",
        ExtendedType::Enum(_) => "an enum",
        ExtendedType::InputObject(_) => "an input type",
    }
}
