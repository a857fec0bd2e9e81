// The groups a user can be put in or the list filtered by (the first hundred, by name).
import { useQuery } from "urql";
import { graphql } from "../../gql";

const GROUP_CHOICES = graphql(`
  query GroupChoices {
    groups(first: 100) {
      nodes {
        id
        name
      }
    }
  }
`);

/** The groups to choose from; none until they are read, or when `readable` is false. */
export function useGroupChoices(readable: boolean) {
  const [result] = useQuery({ query: GROUP_CHOICES, pause: !readable });
  return result.data?.groups.nodes;
}
