import 'reflect-metadata';

/**
 * A route requirement that accumulates: applying the decorator twice to one handler or class adds
 * a second requirement instead of replacing the first. (Nest's `SetMetadata`/`createDecorator` store
 * one value per target, so `@Roles('a') @Roles('b')` would silently keep only one.)
 */
export interface RouteRequirementKey<T> {
  (value: T): ClassDecorator & MethodDecorator;
  /** Every value applied to a handler or class, in application order. */
  read(target: object): readonly T[];
}

export function routeRequirement<T>(name: string): RouteRequirementKey<T> {
  // `Symbol.for`: the ESM and the CommonJS build of the library must read the same metadata.
  const key = Symbol.for(`nestjs-resource-server:${name}`);
  const decorator = (value: T) =>
    ((target: object, _property?: string | symbol, descriptor?: PropertyDescriptor) => {
      const holder = (descriptor?.value as object | undefined) ?? target;
      const existing = (Reflect.getMetadata(key, holder) as T[] | undefined) ?? [];
      Reflect.defineMetadata(key, [...existing, value], holder);
      return descriptor;
    }) as ClassDecorator & MethodDecorator;
  return Object.assign(decorator, {
    read: (target: object) => (Reflect.getMetadata(key, target) as T[] | undefined) ?? [],
  });
}
