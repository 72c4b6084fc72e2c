import { Field, Int, ObjectType } from '@nestjs/graphql';

/** `Message { id: Int!, text: String!, author: String! }` (contract). */
@ObjectType('Message')
export class MessageModel {
  @Field(() => Int) id!: number;
  @Field(() => String) text!: string;
  @Field(() => String) author!: string;
}

/** `Me { sub: String!, scopes: [String!]! }` (contract). */
@ObjectType('Me')
export class MeModel {
  @Field(() => String) sub!: string;
  @Field(() => [String]) scopes!: string[];
}
