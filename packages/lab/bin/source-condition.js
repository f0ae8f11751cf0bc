// A module-resolution hook that adds the `gradlab-source` export condition: workspace packages
// then resolve to src/index.ts instead of dist/ (see the bin and each package's "exports").
export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('gradlab-source') ? context.conditions : [...context.conditions, 'gradlab-source'];
  return next(specifier, { ...context, conditions });
}
